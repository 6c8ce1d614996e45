/** The in-process store of one instance's metrics: counters, histograms and gauges, labels checked against the registry. */
import { METRICS, type CounterName, type GaugeName, type HistogramName, type LabelsOf, type MetricDefinition } from './metric-registry';

export type Labels = Record<string, string>;

export interface HistogramValue {
  /** Per bucket (same order as the definition's buckets), the count of observations ≤ its bound; not cumulative. */
  bucketCounts: number[];
  /** Observations above the last bound. */
  overflow: number;
  count: number;
  sum: number;
  /** Sum of squared observations, for Cloud Monitoring's sumOfSquaredDeviation. */
  sumOfSquares: number;
}

export interface SeriesSnapshot {
  labels: Labels;
  /** Counters and gauges. */
  value?: number;
  histogram?: HistogramValue;
}

export interface FamilySnapshot {
  definition: MetricDefinition;
  series: SeriesSnapshot[];
}

export interface MetricSnapshot {
  /** When the counters started (the process start, for CUMULATIVE points). */
  startedAt: Date;
  takenAt: Date;
  families: FamilySnapshot[];
}

/** One structured event for a log-based metric; the line Terraform's log-based metrics count. */
export interface MetricEvent {
  name: string;
  labels: Labels;
  value: number;
}

export interface MetricRecorderOptions {
  registry?: readonly MetricDefinition[];
  now?: () => Date;
  /** Label sets kept per metric; further ones are dropped and counted in metrics_series_dropped. */
  maxSeriesPerMetric?: number;
  /** Receives every increment or observation of a `log-based` metric (see metric-event-log.ts). */
  onEvent?: (event: MetricEvent) => void;
}

export interface MetricRecorder {
  increment<N extends CounterName>(name: N, labels: LabelsOf<N>, by?: number): void;
  observe<N extends HistogramName>(name: N, labels: LabelsOf<N>, value: number): void;
  set<N extends GaugeName>(name: N, labels: LabelsOf<N>, value: number): void;
  /** Replaces every series of a gauge or counter with these readings (collectors; counters read from elsewhere). */
  replace<N extends GaugeName | CounterName>(name: N, readings: readonly { labels: LabelsOf<N>; value: number }[]): void;
  snapshot(): MetricSnapshot;
}

export class MetricUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricUsageError';
  }
}

interface Family {
  definition: MetricDefinition;
  series: Map<string, SeriesSnapshot>;
}

const MAX_LABEL_VALUE = 256;

export function createMetricRecorder(options: MetricRecorderOptions = {}): MetricRecorder {
  const registry = options.registry ?? (METRICS as readonly MetricDefinition[]);
  const now = options.now ?? (() => new Date());
  const maxSeries = options.maxSeriesPerMetric ?? 1000;
  const startedAt = now();
  const families = new Map<string, Family>(registry.map((d) => [d.name, { definition: d, series: new Map() }]));

  const family = (name: string, kind: MetricDefinition['kind'][]): Family => {
    const f = families.get(name);
    if (!f) throw new MetricUsageError(`metric ${name} is not in the registry (shared/metrics/metric-registry.ts)`);
    if (!kind.includes(f.definition.kind)) throw new MetricUsageError(`metric ${name} is a ${f.definition.kind}, not a ${kind.join(' or ')}`);
    return f;
  };

  const checkLabels = (def: MetricDefinition, labels: Labels): string => {
    const given = Object.keys(labels);
    const missing = def.labels.filter((l) => !(l in labels));
    const unknown = given.filter((l) => !def.labels.includes(l));
    if (missing.length || unknown.length) {
      const parts = [missing.length ? `missing ${missing.join(', ')}` : '', unknown.length ? `unknown ${unknown.join(', ')}` : ''].filter(Boolean);
      throw new MetricUsageError(`metric ${def.name} takes labels [${def.labels.join(', ')}]; got [${given.join(', ')}] (${parts.join('; ')})`);
    }
    for (const l of def.labels) {
      const v = labels[l];
      if (typeof v !== 'string') throw new MetricUsageError(`metric ${def.name}: label ${l} must be a string, got ${typeof v}`);
      if (v.length > MAX_LABEL_VALUE) throw new MetricUsageError(`metric ${def.name}: label ${l} is ${v.length} characters; at most ${MAX_LABEL_VALUE}`);
    }
    // The key lists values in registry order, so the same labels given in any order are one series.
    return JSON.stringify(def.labels.map((l) => labels[l]));
  };

  const dropped = (name: string) => {
    const f = families.get('metrics_series_dropped');
    if (!f || name === 'metrics_series_dropped') return;
    const key = JSON.stringify([name]);
    const s = f.series.get(key) ?? { labels: { metric: name }, value: 0 };
    s.value = (s.value ?? 0) + 1;
    f.series.set(key, s);
  };

  /** The series for these labels, created on first use; undefined when the metric is at its limit. */
  const seriesFor = (f: Family, labels: Labels): SeriesSnapshot | undefined => {
    const key = checkLabels(f.definition, labels);
    let s = f.series.get(key);
    if (!s) {
      if (f.series.size >= maxSeries) {
        dropped(f.definition.name);
        return undefined;
      }
      const ordered = Object.fromEntries(f.definition.labels.map((l) => [l, labels[l]!]));
      s =
        f.definition.kind === 'histogram'
          ? { labels: ordered, histogram: { bucketCounts: f.definition.buckets!.map(() => 0), overflow: 0, count: 0, sum: 0, sumOfSquares: 0 } }
          : { labels: ordered, value: 0 };
      f.series.set(key, s);
    }
    return s;
  };

  const checkNumber = (name: string, value: number) => {
    if (!Number.isFinite(value)) throw new MetricUsageError(`metric ${name}: expected a finite number, got ${value}`);
  };

  const emit = (def: MetricDefinition, labels: Labels, value: number) => {
    if (def.cloud === 'log-based' && options.onEvent) options.onEvent({ name: def.name, labels: { ...labels }, value });
  };

  return {
    increment(name, labels, by = 1) {
      const f = family(name, ['counter']);
      checkNumber(name, by);
      if (by < 0) throw new MetricUsageError(`metric ${name}: a counter only goes up; got ${by}`);
      const s = seriesFor(f, labels);
      if (s) s.value = (s.value ?? 0) + by;
      emit(f.definition, labels, by);
    },
    observe(name, labels, value) {
      const f = family(name, ['histogram']);
      checkNumber(name, value);
      const s = seriesFor(f, labels);
      if (s?.histogram) {
        const h = s.histogram;
        const i = f.definition.buckets!.findIndex((b) => value <= b);
        if (i === -1) h.overflow++;
        else h.bucketCounts[i]!++;
        h.count++;
        h.sum += value;
        h.sumOfSquares += value * value;
      }
      emit(f.definition, labels, value);
    },
    set(name, labels, value) {
      const f = family(name, ['gauge']);
      checkNumber(name, value);
      const s = seriesFor(f, labels);
      if (s) s.value = value;
    },
    replace(name, readings) {
      const f = family(name, ['gauge', 'counter']);
      for (const r of readings) {
        checkLabels(f.definition, r.labels);
        checkNumber(name, r.value);
      }
      f.series.clear();
      for (const r of readings) {
        const s = seriesFor(f, r.labels);
        if (s) s.value = r.value;
      }
    },
    snapshot() {
      return {
        startedAt,
        takenAt: now(),
        families: [...families.values()].map((f) => ({
          definition: f.definition,
          series: [...f.series.values()].map((s) => ({
            labels: { ...s.labels },
            ...(s.value !== undefined ? { value: s.value } : {}),
            ...(s.histogram ? { histogram: { ...s.histogram, bucketCounts: [...s.histogram.bucketCounts] } } : {}),
          })),
        })),
      };
    },
  };
}
