/**
 * Finds the metrics (and their labels) that Cloud Monitoring filters and PromQL expressions name,
 * and knows every name the code emits or Google publishes, so tests can list what is unknown.
 */
import { GCP_METRICS } from '../../../shared/metrics/gcp-metrics';
import { METRICS, cloudMetricType, openMetricsName, type MetricDefinition } from '../../../shared/metrics/metric-registry';

/** Labels of the monitored resources our filters use (resource.label.<name>). */
export const RESOURCE_LABELS: Record<string, readonly string[]> = {
  cloud_run_revision: ['project_id', 'service_name', 'revision_name', 'configuration_name', 'location'],
  cloudsql_database: ['project_id', 'database_id', 'region'],
  pubsub_subscription: ['project_id', 'subscription_id'],
  gcs_bucket: ['project_id', 'bucket_name', 'location'],
  uptime_url: ['project_id', 'host'],
  generic_task: ['project_id', 'location', 'namespace', 'job', 'task_id'],
};

export interface KnownCloudMetric {
  type: string;
  resource: string;
  labels: readonly string[];
  distribution: boolean;
}

/** Every Cloud Monitoring metric type a dashboard or policy may name: ours (custom, log-based) and Google's list. */
export function knownCloudMetrics(): Map<string, KnownCloudMetric> {
  const known = new Map<string, KnownCloudMetric>();
  for (const m of METRICS as readonly MetricDefinition[]) {
    const type = cloudMetricType(m);
    if (!type) continue;
    known.set(type, { type, resource: m.cloud === 'custom' ? 'generic_task' : 'cloud_run_revision', labels: m.labels, distribution: m.kind === 'histogram' });
  }
  for (const g of GCP_METRICS) known.set(g.type, { type: g.type, resource: g.resource, labels: g.labels, distribution: g.valueType === 'DISTRIBUTION' });
  return known;
}

/** Cloud Monitoring's PromQL name of a metric type: first `/` → `:`, other `.` and `/` → `_`. */
export function promqlNameOf(type: string): string {
  const slash = type.indexOf('/');
  return `${type.slice(0, slash)}:${type.slice(slash + 1)}`.replace(/[./]/g, '_');
}

/** PromQL names of Cloud Monitoring metrics (distributions also as _bucket, _sum, _count) → their labels. */
export function knownCloudPromqlNames(): Map<string, KnownCloudMetric> {
  const names = new Map<string, KnownCloudMetric>();
  for (const m of knownCloudMetrics().values()) {
    const base = promqlNameOf(m.type);
    names.set(base, m);
    if (m.distribution) for (const s of ['_bucket', '_sum', '_count']) names.set(base + s, m);
  }
  return names;
}

/** OpenMetrics sample names → the registry definition. */
export function knownOpenMetricsSamples(): Map<string, MetricDefinition> {
  const names = new Map<string, MetricDefinition>();
  for (const m of METRICS as readonly MetricDefinition[]) {
    const base = openMetricsName(m);
    const samples = m.kind === 'counter' ? [`${base}_total`] : m.kind === 'histogram' ? [`${base}_bucket`, `${base}_sum`, `${base}_count`] : [base];
    for (const s of samples) names.set(s, m);
  }
  return names;
}

export interface FilterReference {
  metricType: string;
  resourceType: string | undefined;
  metricLabels: string[];
  resourceLabels: string[];
}

const labelNames = (text: string, prefix: 'metric' | 'resource') =>
  [...text.matchAll(new RegExp(`\\b${prefix}\\.labels?\\.("?)([a-zA-Z_][a-zA-Z0-9_]*)\\1`, 'g'))].map((m) => m[2]!);

/** The metric, resource and labels a monitoring filter names, with the group-by fields that go with it. */
export function parseFilter(filter: string, groupByFields: readonly string[] = []): FilterReference[] {
  const types = [...filter.matchAll(/\bmetric\.type\s*=\s*"([^"]+)"/g)].map((m) => m[1]!);
  const resourceType = /\bresource\.type\s*=\s*"([^"]+)"/.exec(filter)?.[1];
  const extra = groupByFields.join(' ');
  return types.map((metricType) => ({
    metricType,
    resourceType,
    metricLabels: [...labelNames(filter, 'metric'), ...labelNames(extra, 'metric')],
    resourceLabels: [...labelNames(filter, 'resource'), ...labelNames(extra, 'resource')],
  }));
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'inf', 'nan', 'atan2']);

export interface PromqlSelector {
  metric: string;
  labels: string[];
}

/** The metric selectors of a PromQL expression: each metric name with the label names it matches on. */
export function promqlSelectors(expr: string): PromqlSelector[] {
  const selectors: PromqlSelector[] = [];
  // Label matchers first (their values may hold anything), then strip them and other non-name parts.
  let text = expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m');
  const matchers = new Map<number, string[]>();
  text = text.replace(/\{([^}]*)\}/g, (_, body: string, offset: number) => {
    const keys = [...body.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((m) => m[1]!);
    matchers.set(offset, keys);
    return `{#${offset}}`;
  });
  text = text
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\boffset\s+-?\d+[smhdwy]\w*/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const token = /([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\(|\{#(\d+)\})?|\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi;
  for (const m of text.matchAll(token)) {
    const [, name, after, offset] = m;
    if (!name || (after && after.trim() === '(') || KEYWORDS.has(name.toLowerCase())) continue;
    selectors.push({ metric: name, labels: offset === undefined ? [] : (matchers.get(Number(offset)) ?? []) });
  }
  return selectors;
}
