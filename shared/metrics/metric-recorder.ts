/**
 * One instance's metrics: a prom-client Registry of its own (never the global one) holding a counter,
 * gauge or histogram per entry of the registry table, with the table's label names. What prom-client
 * does not do is here: label sets checked against the table, a bound on series per metric, and each
 * event of a `log-based` metric handed on (metric-event-log.ts writes its line).
 */
import {
  METRICS,
  openMetricsName,
  type CounterName,
  type GaugeName,
  type HistogramName,
  type LabelsOf,
  type MetricDefinition,
  type MetricKind,
} from './metric-registry';
import { Counter, Gauge, Histogram, Registry } from './prom-client';

export type Labels = Record<string, string>;

export interface HistogramValue {
  /** Per bucket (same order as the definition's buckets), the count of observations ≤ its bound; not cumulative. */
  bucketCounts: number[];
  /** Observations above the last bound. */
  overflow: number;
  count: number;
  sum: number;
}

export interface SeriesSnapshot {
  /** In the definition's label order. */
  labels: Labels;
  /** Counters and gauges. */
  value?: number;
  histogram?: HistogramValue;
}

export interface FamilySnapshot {
  definition: MetricDefinition;
  series: SeriesSnapshot[];
}

/** What the recorder holds at one time, by registry entry: what the exporter, the fleet table and /metrics read. */
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
  /** The metrics to hold; the registry table (METRICS) by default. */
  definitions?: readonly MetricDefinition[];
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
  /** The values now, read through prom-client's `get()`; later recording does not change them. */
  snapshot(): Promise<MetricSnapshot>;
}

export class MetricUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricUsageError';
  }
}

/** Label values seen so far, one level per label name: a series is looked up without building a key. */
type SeriesIndex = Map<string, SeriesIndex>;

interface Family {
  definition: MetricDefinition;
  metric: Counter<string> | Gauge<string> | Histogram<string>;
  seen: SeriesIndex;
  size: number;
}

const MAX_LABEL_VALUE = 256;

/** The prom-client metric of a registry entry; counters carry `_total`, which prom-client moves to the samples in OpenMetrics. */
function promMetric(d: MetricDefinition, registry: Registry) {
  const config = { name: openMetricsName(d), help: d.help, labelNames: [...d.labels], registers: [registry] };
  if (d.kind === 'counter') return new Counter({ ...config, name: `${config.name}_total` });
  if (d.kind === 'histogram') return new Histogram({ ...config, buckets: [...d.buckets!] });
  return new Gauge(config);
}

/** Hands one value to prom-client: a counter's increment, a histogram's observation, a gauge's value. */
function write(f: Family, labels: Labels, value: number): void {
  if (f.metric instanceof Counter) f.metric.inc(labels, value);
  else if (f.metric instanceof Histogram) f.metric.observe(labels, value);
  else f.metric.set(labels, value);
}

/** The kinds each call accepts (constants: a recording allocates no array). */
const ONLY: Record<MetricKind, readonly MetricKind[]> = { counter: ['counter'], gauge: ['gauge'], histogram: ['histogram'] };
const READ_ELSEWHERE: readonly MetricKind[] = ['gauge', 'counter'];

/** Removes every series; a gauge without labels then has none (prom-client would show a 0 no one read). */
function clear(f: Family): void {
  f.metric.reset();
  if (f.definition.kind === 'gauge' && f.definition.labels.length === 0) (f.metric as Gauge<string>).remove();
  f.seen = new Map();
  f.size = 0;
}

function labelProblem(def: MetricDefinition, labels: Labels): string {
  const given = Object.keys(labels);
  const missing = def.labels.filter((l) => !(l in labels));
  const unknown = given.filter((l) => !def.labels.includes(l));
  if (missing.length || unknown.length) {
    const parts = [missing.length ? `missing ${missing.join(', ')}` : '', unknown.length ? `unknown ${unknown.join(', ')}` : ''].filter(Boolean);
    return `metric ${def.name} takes labels [${def.labels.join(', ')}]; got [${given.join(', ')}] (${parts.join('; ')})`;
  }
  for (const l of def.labels) {
    const v = labels[l];
    if (typeof v !== 'string') return `metric ${def.name}: label ${l} must be a string, got ${typeof v}`;
    if (v.length > MAX_LABEL_VALUE) return `metric ${def.name}: label ${l} is ${v.length} characters; at most ${MAX_LABEL_VALUE}`;
  }
  return '';
}

/** Throws unless the labels are exactly the definition's, each a string of at most 256 characters; allocates nothing when they are. */
function checkLabels(def: MetricDefinition, labels: Labels): void {
  let count = 0;
  for (const l in labels) if (Object.hasOwn(labels, l)) count++;
  let fine = count === def.labels.length;
  for (let i = 0; fine && i < def.labels.length; i++) {
    const v = labels[def.labels[i]!];
    fine = typeof v === 'string' && v.length <= MAX_LABEL_VALUE;
  }
  if (!fine) throw new MetricUsageError(labelProblem(def, labels));
}

function checkNumber(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new MetricUsageError(`metric ${name}: expected a finite number, got ${value}`);
}

const ordered = (def: MetricDefinition, labels: Partial<Record<string, string | number>>): Labels =>
  Object.fromEntries(def.labels.map((l) => [l, String(labels[l])]));

/** prom-client's values of one family, as series in the definition's label order (histograms: per-bucket counts again). */
function seriesOf(def: MetricDefinition, values: readonly { value: number; labels: Partial<Record<string, string | number>>; metricName?: string }[]) {
  if (def.kind !== 'histogram') return values.map((v): SeriesSnapshot => ({ labels: ordered(def, v.labels), value: v.value }));
  const bounds = def.buckets!;
  const series = new Map<string, SeriesSnapshot & { histogram: HistogramValue }>();
  for (const v of values) {
    const labels = ordered(def, v.labels);
    const key = JSON.stringify(Object.values(labels));
    let s = series.get(key);
    if (!s) series.set(key, (s = { labels, histogram: { bucketCounts: bounds.map(() => 0), overflow: 0, count: 0, sum: 0 } }));
    const h = s.histogram;
    if (v.metricName?.endsWith('_sum')) h.sum = v.value;
    else if (v.metricName?.endsWith('_count')) h.count = v.value;
    else if (v.labels.le === '+Inf') h.overflow = v.value;
    else h.bucketCounts[bounds.indexOf(Number(v.labels.le))] = v.value;
  }
  // prom-client's buckets are cumulative, its +Inf bucket the count: back to counts per bucket.
  for (const { histogram: h } of series.values()) {
    for (let i = h.bucketCounts.length - 1; i > 0; i--) h.bucketCounts[i]! -= h.bucketCounts[i - 1]!;
    h.overflow -= h.bucketCounts.reduce((a, b) => a + b, 0);
  }
  return [...series.values()];
}

export function createMetricRecorder(options: MetricRecorderOptions = {}): MetricRecorder {
  const definitions = options.definitions ?? (METRICS as readonly MetricDefinition[]);
  const now = options.now ?? (() => new Date());
  const maxSeries = options.maxSeriesPerMetric ?? 1000;
  const startedAt = now();
  const registry = new Registry();
  const families = new Map<string, Family>();
  for (const d of definitions) {
    const f: Family = { definition: d, metric: promMetric(d, registry), seen: new Map(), size: 0 };
    clear(f);
    families.set(d.name, f);
  }

  const family = (name: string, kind: readonly MetricKind[]): Family => {
    const f = families.get(name);
    if (!f) throw new MetricUsageError(`metric ${name} is not in the registry (shared/metrics/metric-registry.ts)`);
    if (!kind.includes(f.definition.kind)) throw new MetricUsageError(`metric ${name} is a ${f.definition.kind}, not a ${kind.join(' or ')}`);
    return f;
  };

  const dropped = (name: string) => {
    const f = families.get('metrics_series_dropped');
    if (f && name !== 'metrics_series_dropped') (f.metric as Counter<string>).inc({ metric: name });
  };

  /**
   * The labels to hand prom-client: these (a known series), a copy in the definition's order (a new
   * one, which prom-client keeps), or undefined when the metric is at its limit and this is new.
   */
  const admit = (f: Family, labels: Labels): Labels | undefined => {
    const names = f.definition.labels;
    let node = f.seen;
    for (let i = 0; i < names.length; i++) {
      const value = labels[names[i]!]!;
      let next = node.get(value);
      if (!next) {
        // A label set not seen yet is checked whole; a known one can only differ by an extra label, which prom-client refuses.
        checkLabels(f.definition, labels);
        if (f.size >= maxSeries) {
          dropped(f.definition.name);
          return undefined;
        }
        for (let j = i; j < names.length; j++) {
          next = new Map();
          node.set(labels[names[j]!]!, next);
          node = next;
        }
        f.size++;
        return ordered(f.definition, labels);
      }
      node = next;
    }
    return labels;
  };

  /** One recording: value and labels checked, the series admitted, the value written, a log-based metric's event handed on. */
  const record = (name: string, kind: MetricKind, labels: Labels, value: number) => {
    const f = family(name, ONLY[kind]);
    checkNumber(name, value);
    if (kind === 'counter' && value < 0) throw new MetricUsageError(`metric ${name}: a counter only goes up; got ${value}`);
    const admitted = admit(f, labels);
    try {
      if (admitted) write(f, admitted, value);
    } catch (err) {
      const problem = labelProblem(f.definition, labels);
      throw problem ? new MetricUsageError(problem) : err;
    }
    if (f.definition.cloud === 'log-based' && options.onEvent) options.onEvent({ name, labels: { ...labels }, value });
  };

  return {
    increment: (name, labels, by = 1) => record(name, 'counter', labels, by),
    observe: (name, labels, value) => record(name, 'histogram', labels, value),
    set: (name, labels, value) => record(name, 'gauge', labels, value),
    replace(name, readings) {
      const f = family(name, READ_ELSEWHERE);
      for (const r of readings) {
        checkLabels(f.definition, r.labels);
        checkNumber(name, r.value);
      }
      clear(f);
      for (const r of readings) {
        const admitted = admit(f, r.labels);
        if (admitted) write(f, admitted, r.value);
      }
    },
    async snapshot() {
      const takenAt = now();
      const all = [...families.values()];
      const values = await Promise.all(all.map((f) => f.metric.get()));
      return {
        startedAt,
        takenAt,
        families: all.map((f, i) => ({ definition: f.definition, series: seriesOf(f.definition, values[i]!.values) })),
      };
    },
  };
}
