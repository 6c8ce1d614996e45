/** One instance's metrics: the recorder, its recording helpers, the scrape-time collectors and the optional exporter. */
import { randomUUID } from 'node:crypto';
import type { Database } from '../ports/database.port';
import type { Environment } from '../config/config';
import type { Logger } from '../ports/logger.port';
import type { Cache } from '../ports/cache.port';
import { createCloudMonitoringExporter, type CloudMonitoringExporter, type TimeSeriesWriter } from './cloud-monitoring.exporter';
import { createActivityCollector } from './collectors/activity.collector';
import { createBusinessCollector } from './collectors/business.collector';
import { createCacheCollector } from './collectors/cache.collector';
import { createCatalogCollector } from './collectors/catalog.collector';
import { createDatabaseCollector, createPoolCollector } from './collectors/database.collector';
import { runCollectors, type MetricCollector } from './collectors/metric-collector';
import { createProcessCollector } from './collectors/process.collector';
import { createFleetPublisher, fleetSnapshot, flushOnSigterm, type FleetPublisher } from './fleet-metrics';
import { createMetricEventLog } from './metric-event-log';
import { createMetricRecorder, type MetricRecorder, type MetricSnapshot } from './metric-recorder';
import { recordCacheLookup, recordCacheOperation, recordHttpRequest, type CacheOperation, type HttpRequestSample } from './instrumentation';

/**
 * The configuration metrics read. `Config` satisfies it today; the optional fields are the
 * variables still to add to shared/config (METRICS_BEARER_TOKEN, METRICS_EXPORT, K_SERVICE, FUNCTION_REGION).
 */
export interface MetricsConfig {
  environment: Environment;
  gcpProject: string | undefined;
  dbPoolMax: number;
  metricsBearerToken?: string | undefined;
  metricsExport?: 'off' | 'cloud-monitoring' | undefined;
  /** `postgres`: counters and histograms published to PostgreSQL and summed by /metrics (the deployed fleet). */
  metricsFleet?: 'off' | 'postgres' | undefined;
  metricsFleetIntervalSeconds?: number | undefined;
  /** The function id Cloud Run runs (K_SERVICE): the `job` of exported series. */
  serviceName?: string | undefined;
  region?: string | undefined;
}

export interface InstanceMetricsOptions {
  config: MetricsConfig;
  db: Database;
  cacheKind: Cache['kind'];
  /** The cache whose size and evictions the collectors read (cache_keys, cache_evicted_keys). */
  cache?: Pick<Cache, 'kind' | 'stats'>;
  logger: Logger;
  recorder?: MetricRecorder;
  now?: () => Date;
  /** Where log-based metric events go; stdout by default. */
  writeEvent?: (line: string) => void;
  /** Replaces the lazily loaded @google-cloud/monitoring client (tests). */
  loadWriter?: () => Promise<TimeSeriesWriter>;
  /** Publish and export once more on SIGTERM before the framework exits (a deployed function's process). */
  flushOnShutdown?: boolean;
}

export interface InstanceMetrics {
  recorder: MetricRecorder;
  recordHttpRequest(sample: HttpRequestSample): void;
  recordCacheHit(namespace: string): void;
  recordCacheMiss(namespace: string): void;
  recordCacheError(namespace: string): void;
  recordCacheOperation(operation: CacheOperation, seconds: number): void;
  /** Runs every collector (process, pool, database, catalog…) now; never rejects. */
  collect(): Promise<void>;
  /** Present when METRICS_EXPORT=cloud-monitoring and a project is known. */
  exporter: CloudMonitoringExporter | undefined;
  /** Present when METRICS_FLEET=postgres. */
  fleet: FleetPublisher | undefined;
  /**
   * What /metrics renders: with the fleet on, counters and histograms summed over every instance
   * (this one's published first); otherwise, or when PostgreSQL fails, this process's own.
   */
  snapshot(): Promise<MetricSnapshot>;
  /** Stops the exporter after a last flush. */
  close(): Promise<void>;
}

/** Collectors run at each scrape of /metrics. A module with gauges of its own adds one line here. */
export function scrapeCollectors(deps: { db: Database; dbPoolMax: number; now?: () => Date; cache?: Pick<Cache, 'kind' | 'stats'> }): MetricCollector[] {
  return [
    createBusinessCollector({ db: deps.db, now: deps.now ?? (() => new Date()) }),
    createProcessCollector(),
    createPoolCollector({ stats: () => deps.db.stats(), maxConnections: deps.dbPoolMax }),
    createDatabaseCollector({ db: deps.db }),
    createCatalogCollector({ db: deps.db }),
    createActivityCollector({ db: deps.db, now: deps.now ?? (() => new Date()) }),
    ...(deps.cache ? [createCacheCollector({ cache: deps.cache })] : []),
  ];
}

export function createInstanceMetrics(options: InstanceMetricsOptions): InstanceMetrics {
  const { config, db, logger } = options;
  const now = options.now ?? (() => new Date());
  const recorder =
    options.recorder ?? createMetricRecorder({ now, onEvent: createMetricEventLog({ now, ...(options.writeEvent ? { write: options.writeEvent } : {}) }) });
  const onError = (collector: string, err: unknown) => logger.warning('metrics collector failed', { collector, error: String(err) });
  const all = scrapeCollectors({ db, dbPoolMax: config.dbPoolMax, now, ...(options.cache ? { cache: options.cache } : {}) });
  // Before each export only the collectors that cost no query: the database ones run at scrape time.
  const local = all.filter((c) => c.name === 'process' || c.name === 'pool');

  const exporter =
    config.metricsExport === 'cloud-monitoring' && config.gcpProject
      ? createCloudMonitoringExporter({
          projectId: config.gcpProject,
          location: config.region ?? 'europe-west1',
          job: config.serviceName ?? 'local',
          taskId: randomUUID(),
          recorder,
          collect: () => runCollectors(recorder, local, { onError }),
          ...(options.loadWriter ? { loadWriter: options.loadWriter } : {}),
          onError: (err) => logger.warning('metrics export to Cloud Monitoring failed', { error: String(err) }),
          now,
        })
      : undefined;
  exporter?.start();

  const fleet =
    config.metricsFleet === 'postgres'
      ? createFleetPublisher({
          db,
          functionId: config.serviceName ?? 'local',
          recorder,
          intervalMs: (config.metricsFleetIntervalSeconds ?? 60) * 1000,
          now,
          onError: (err) => logger.warning('metrics publication to PostgreSQL failed', { error: String(err) }),
        })
      : undefined;
  fleet?.start();
  if (options.flushOnShutdown && (fleet || exporter)) flushOnSigterm(async () => void (await Promise.all([fleet?.shutdown(), exporter?.stop()])));

  return {
    recorder,
    recordHttpRequest: (sample) => recordHttpRequest(recorder, sample),
    recordCacheHit: (namespace) => recordCacheLookup(recorder, options.cacheKind, namespace, 'hit'),
    recordCacheMiss: (namespace) => recordCacheLookup(recorder, options.cacheKind, namespace, 'miss'),
    recordCacheError: (namespace) => recordCacheLookup(recorder, options.cacheKind, namespace, 'error'),
    recordCacheOperation: (operation, seconds) => recordCacheOperation(recorder, operation, seconds),
    collect: () => runCollectors(recorder, all, { onError }),
    exporter,
    fleet,
    snapshot: async () => {
      if (!fleet) return recorder.snapshot();
      try {
        const totals = await fleet.fleetTotals();
        recorder.set('metrics_collector_up', { collector: 'fleet' }, 1);
        return fleetSnapshot(totals, await recorder.snapshot());
      } catch (err) {
        logger.warning('fleet metrics unreadable; /metrics shows this instance only', { error: String(err) });
        recorder.set('metrics_collector_up', { collector: 'fleet' }, 0);
        return recorder.snapshot();
      }
    },
    close: async () => {
      await Promise.all([exporter?.stop(), fleet?.shutdown()]);
    },
  };
}

/**
 * The scheduled collection (Cloud Scheduler's `metrics-collector` job): read every gauge now and
 * write them to Cloud Monitoring before answering, while the request holds the CPU.
 */
export async function collectAndExport(metrics: InstanceMetrics): Promise<{ exported: boolean }> {
  await metrics.collect();
  if (!metrics.exporter) return { exported: false };
  await metrics.exporter.flush();
  return { exported: true };
}
