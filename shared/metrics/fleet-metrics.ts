/** Fleet-wide counters and histograms: each instance publishes its running totals to PostgreSQL; /metrics renders their sums. */
import { randomUUID } from 'node:crypto';
import type { Database } from '../ports/database.port';
import { foldInstances, publishInstanceTotals, readFleetTotals, type TotalRow } from './fleet-totals.repository';
import type { FamilySnapshot, MetricRecorder, MetricSnapshot, SeriesSnapshot } from './metric-recorder';

/** An instance not seen for this long is gone for good (Cloud Run stops an idle instance within 15 minutes). */
export const FLEET_STALE_AFTER_MS = 15 * 60_000;

const bucketSample = (i: number) => `bucket:${i}`;
const rowKey = (r: Pick<TotalRow, 'metric' | 'sample' | 'labels'>) => JSON.stringify([r.metric, r.sample, r.labels]);

/** The counters and histograms this process counted, as rows (a histogram: its non-cumulative buckets, overflow included, sum and count). */
export function totalsOf(snapshot: MetricSnapshot): TotalRow[] {
  const rows: TotalRow[] = [];
  for (const { definition: d, series } of snapshot.families) {
    if (d.source === 'database') continue;
    for (const s of series) {
      if (d.kind === 'counter') rows.push({ metric: d.name, sample: '', labels: s.labels, value: s.value ?? 0 });
      if (d.kind === 'histogram' && s.histogram) {
        const h = s.histogram;
        h.bucketCounts.forEach((n, i) => rows.push({ metric: d.name, sample: bucketSample(i), labels: s.labels, value: n }));
        rows.push({ metric: d.name, sample: bucketSample(h.bucketCounts.length), labels: s.labels, value: h.overflow });
        rows.push({ metric: d.name, sample: 'sum', labels: s.labels, value: h.sum });
        rows.push({ metric: d.name, sample: 'count', labels: s.labels, value: h.count });
      }
    }
  }
  return rows;
}

/**
 * The snapshot /metrics renders in fleet mode: counters and histograms summed over the fleet, gauges
 * as this instance read them (the database gauges are fleet facts already; process and pool are this
 * instance's). Rows of metrics no longer registered are ignored.
 */
export function fleetSnapshot(totals: readonly TotalRow[], local: MetricSnapshot): MetricSnapshot {
  const byMetric = new Map<string, TotalRow[]>();
  for (const r of totals) byMetric.set(r.metric, [...(byMetric.get(r.metric) ?? []), r]);
  const families = local.families.map((family): FamilySnapshot => {
    const d = family.definition;
    // Gauges, and counters read from PostgreSQL, are the same whichever instance reads them.
    if (d.kind === 'gauge' || d.source === 'database') return family;
    const series = new Map<string, SeriesSnapshot>();
    for (const r of byMetric.get(d.name) ?? []) {
      // Only label sets of the registry's shape: a row written before a label changed is not rendered.
      if (Object.keys(r.labels).length !== d.labels.length || !d.labels.every((l) => typeof r.labels[l] === 'string')) continue;
      const labels = Object.fromEntries(d.labels.map((l) => [l, r.labels[l]!]));
      const key = JSON.stringify(d.labels.map((l) => labels[l]));
      let s = series.get(key);
      if (!s) {
        s = d.kind === 'counter' ? { labels, value: 0 } : { labels, histogram: { bucketCounts: d.buckets!.map(() => 0), overflow: 0, count: 0, sum: 0 } };
        series.set(key, s);
      }
      if (d.kind === 'counter') s.value = r.value;
      else if (r.sample === 'sum') s.histogram!.sum = r.value;
      else if (r.sample === 'count') s.histogram!.count = r.value;
      else {
        const i = Number(r.sample.slice('bucket:'.length));
        if (i < d.buckets!.length) s.histogram!.bucketCounts[i] = r.value;
        else s.histogram!.overflow = r.value;
      }
    }
    return { definition: d, series: [...series.values()] };
  });
  return { ...local, families };
}

export interface FleetPublisherOptions {
  db: Database;
  /** The function this instance runs (K_SERVICE). */
  functionId: string;
  recorder: MetricRecorder;
  intervalMs: number;
  now?: () => Date;
  onError?: (err: unknown) => void;
  newInstanceId?: () => string;
}

export interface FleetPublisher {
  /** The id this instance publishes under now. */
  instanceId(): string;
  /** Starts the unref'd timer: one publication per interval when something changed. */
  start(): void;
  /** Publishes now (publications never overlap); never rejects. */
  publish(): Promise<void>;
  /** Last publication, folded into the function's base: the instance is stopping. */
  shutdown(): Promise<void>;
  /** Publishes, folds instances gone for good, and returns the fleet's sums (throws when PostgreSQL does). */
  fleetTotals(): Promise<TotalRow[]>;
}

export function createFleetPublisher(o: FleetPublisherOptions): FleetPublisher {
  const now = o.now ?? (() => new Date());
  const newId = o.newInstanceId ?? randomUUID;
  let instanceId = newId();
  let startedAt = now();
  /** Absolute totals at the last successful publication, and what earlier ids already carry. */
  let published = new Map<string, number>();
  let offset = new Map<string, number>();
  let fingerprint = '';
  let chain: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const rowsToPublish = (absolute: TotalRow[]) =>
    absolute.map((r) => ({ ...r, value: r.value - (offset.get(rowKey(r)) ?? 0) })).filter((r) => r.value !== 0 || !offset.has(rowKey(r)));

  const publishOnce = async (final: boolean): Promise<void> => {
    const absolute = totalsOf(await o.recorder.snapshot());
    const print = JSON.stringify(absolute);
    if (!final && print === fingerprint) return;
    for (let attempt = 0; attempt < 2; attempt++) {
      const at = now();
      const outcome = await publishInstanceTotals(o.db, { instanceId, functionId: o.functionId, startedAt, at, rows: rowsToPublish(absolute), final });
      if (outcome === 'published') {
        published = new Map(absolute.map((r) => [rowKey(r), r.value]));
        // Taken after the write, so the statements of the publication itself do not count as a change.
        fingerprint = JSON.stringify(totalsOf(await o.recorder.snapshot()));
        return;
      }
      // Folded while we were away (an idle instance taken for gone): what the table held is in the base now.
      offset = published;
      instanceId = newId();
      startedAt = at;
    }
  };

  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  };

  const publish = () =>
    serialized(() => publishOnce(false)).catch((err: unknown) => {
      o.onError?.(err);
    });

  return {
    instanceId: () => instanceId,
    start() {
      if (timer || stopped) return;
      timer = setInterval(() => void publish(), o.intervalMs);
      timer.unref();
    },
    publish,
    async shutdown() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      await serialized(() => publishOnce(true)).catch((err: unknown) => o.onError?.(err));
    },
    async fleetTotals() {
      await serialized(() => publishOnce(false));
      const at = now();
      await foldInstances(o.db, { at, staleBefore: new Date(at.getTime() - FLEET_STALE_AFTER_MS) });
      return readFleetTotals(o.db);
    },
  };
}

/**
 * Cloud Run sends SIGTERM and kills 10 s later; the functions framework exits at once on SIGTERM.
 * Runs `flush` first (bounded by `graceMs`), then the listeners that were there (or the default exit).
 */
export function flushOnSigterm(flush: () => Promise<void>, graceMs = 5000): void {
  const previous = process.listeners('SIGTERM');
  for (const l of previous) process.removeListener('SIGTERM', l);
  process.once('SIGTERM', (signal) => {
    let timer: NodeJS.Timeout | undefined;
    void Promise.race([flush(), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]).finally(() => {
      clearTimeout(timer);
      if (previous.length === 0) process.kill(process.pid, 'SIGTERM');
      for (const l of previous) (l as (s: NodeJS.Signals) => void)(signal);
    });
  });
}
