/**
 * Writes this instance's `custom` metrics to Cloud Monitoring in batches, on a timer, off the request
 * path. The SDK loads on the first flush (≈ 190 ms of require time a cold start does not pay); a
 * failed write is logged and counted, never thrown.
 */
import type { protos } from '@google-cloud/monitoring';
import { cloudMetricType, type MetricDefinition } from './metric-registry';
import type { MetricRecorder, MetricSnapshot, SeriesSnapshot } from './metric-recorder';

export type TimeSeries = protos.google.monitoring.v3.ITimeSeries;

/** The one call of the Monitoring API the exporter makes; tests inject their own. */
export interface TimeSeriesWriter {
  createTimeSeries(request: { name: string; timeSeries: TimeSeries[] }): Promise<unknown>;
}

export interface CloudMonitoringExporterOptions {
  projectId: string;
  /** The `generic_task` resource: region, function id, instance id. */
  location: string;
  job: string;
  taskId: string;
  recorder: MetricRecorder;
  /** Runs before each flush, to refresh gauges (pool, process). Must not reject. */
  collect?: () => Promise<void>;
  loadWriter?: () => Promise<TimeSeriesWriter>;
  intervalMs?: number;
  /** Series per CreateTimeSeries call; the API accepts at most 200. */
  batchSize?: number;
  onError?: (err: unknown) => void;
  now?: () => Date;
}

export interface CloudMonitoringExporter {
  /** Flushes every intervalMs on an unref'd timer. */
  start(): void;
  /** Writes what the recorder holds now. Never rejects; a flush already running is shared. */
  flush(): Promise<void>;
  /** Flushes unless the last flush started less than intervalMs ago (the scrape-triggered path). */
  flushIfDue(): Promise<void>;
  /** Stops the timer and writes a last time (shutdown). */
  stop(): Promise<void>;
  /** The TimeSeries a flush would write for this snapshot. */
  timeSeries(snapshot: MetricSnapshot): TimeSeries[];
}

export const GENERIC_TASK_NAMESPACE = 'taxasge';
/** task_id of series computed from the database: every instance computes the same value, so they share one series. */
export const DATABASE_TASK_ID = 'database';

const UNITS: Record<NonNullable<MetricDefinition['unit']>, string> = { seconds: 's', bytes: 'By', xaf: '{XAF}' };

/** Loads @google-cloud/monitoring on first use. */
export async function loadMonitoringWriter(): Promise<TimeSeriesWriter> {
  const { MetricServiceClient } = await import('@google-cloud/monitoring');
  const client = new MetricServiceClient();
  return { createTimeSeries: (request) => client.createTimeSeries(request) };
}

function timestamp(at: Date): { seconds: number; nanos: number } {
  const ms = at.getTime();
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

function pointValue(def: MetricDefinition, s: SeriesSnapshot): protos.google.monitoring.v3.ITypedValue {
  if (def.kind === 'counter') return { int64Value: Math.round(s.value ?? 0) };
  if (def.kind === 'gauge') return { doubleValue: s.value ?? 0 };
  const h = s.histogram!;
  // No sumOfSquaredDeviation: prom-client keeps no sum of squares, and nothing here reads a spread.
  return {
    distributionValue: {
      count: h.count,
      mean: h.count ? h.sum / h.count : 0,
      bucketOptions: { explicitBuckets: { bounds: [...def.buckets!] } },
      // Cloud Monitoring has one bucket below the first bound and one above the last.
      bucketCounts: [...h.bucketCounts, h.overflow],
    },
  };
}

export function createCloudMonitoringExporter(options: CloudMonitoringExporterOptions): CloudMonitoringExporter {
  const intervalMs = options.intervalMs ?? 60_000;
  const batchSize = Math.min(options.batchSize ?? 200, 200);
  const now = options.now ?? (() => new Date());
  const loadWriter = options.loadWriter ?? loadMonitoringWriter;
  let writer: Promise<TimeSeriesWriter> | undefined;
  let inFlight: Promise<void> | undefined;
  let lastStart: number | undefined;
  let timer: NodeJS.Timeout | undefined;

  const resource = (def: MetricDefinition) => ({
    type: 'generic_task',
    labels: {
      project_id: options.projectId,
      location: options.location,
      namespace: GENERIC_TASK_NAMESPACE,
      job: options.job,
      task_id: def.source === 'database' ? DATABASE_TASK_ID : options.taskId,
    },
  });

  const timeSeries = (snapshot: MetricSnapshot): TimeSeries[] => {
    const start = snapshot.startedAt;
    // A CUMULATIVE point needs an end strictly after its start.
    const end = new Date(Math.max(snapshot.takenAt.getTime(), start.getTime() + 1));
    const out: TimeSeries[] = [];
    for (const { definition: def, series } of snapshot.families) {
      const type = cloudMetricType(def);
      if (def.cloud !== 'custom' || !type) continue;
      const cumulative = def.kind !== 'gauge';
      for (const s of series) {
        out.push({
          metric: { type, labels: s.labels },
          resource: resource(def),
          metricKind: cumulative ? 'CUMULATIVE' : 'GAUGE',
          valueType: def.kind === 'counter' ? 'INT64' : def.kind === 'gauge' ? 'DOUBLE' : 'DISTRIBUTION',
          unit: def.unit ? UNITS[def.unit] : '1',
          points: [
            { interval: cumulative ? { startTime: timestamp(start), endTime: timestamp(end) } : { endTime: timestamp(end) }, value: pointValue(def, s) },
          ],
        });
      }
    }
    return out;
  };

  const write = async (): Promise<void> => {
    await options.collect?.();
    const series = timeSeries(await options.recorder.snapshot());
    if (series.length === 0) return;
    let client: TimeSeriesWriter;
    try {
      client = await (writer ??= loadWriter());
    } catch (err) {
      writer = undefined; // try loading again next time
      throw err;
    }
    for (let i = 0; i < series.length; i += batchSize) {
      try {
        await client.createTimeSeries({ name: `projects/${options.projectId}`, timeSeries: series.slice(i, i + batchSize) });
        options.recorder.increment('metrics_exports', { outcome: 'ok' });
      } catch (err) {
        options.recorder.increment('metrics_exports', { outcome: 'error' });
        options.onError?.(err);
      }
    }
  };

  const flush = (): Promise<void> => {
    inFlight ??= (async () => {
      lastStart = now().getTime();
      try {
        await write();
      } catch (err) {
        options.recorder.increment('metrics_exports', { outcome: 'error' });
        options.onError?.(err);
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  };

  return {
    start() {
      if (timer) return;
      timer = setInterval(() => void flush(), intervalMs);
      timer.unref();
    },
    flush,
    flushIfDue() {
      if (inFlight) return inFlight;
      if (lastStart !== undefined && now().getTime() - lastStart < intervalMs) return Promise.resolve();
      return flush();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await flush();
    },
    timeSeries,
  };
}
