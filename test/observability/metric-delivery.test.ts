/**
 * One source for every metric: the registry says how each reaches Cloud Monitoring, and Terraform
 * delivers exactly that. A dashboard or alert naming a metric that is neither Google-provided nor
 * defined in Terraform (a log-based metric, or a custom metric whose writer exports) fails here, and
 * so does an alert policy that does not depend on the log-based metrics it names.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadTerraform } from '../../scripts/delivery/terraform-config';
import { monitoringInventory, type MonitoringInventory } from '../../scripts/delivery/monitoring-inventory';
import { LOG_METRICS_TF, renderLogMetricsTf } from '../../scripts/observability/log-metrics-terraform';
import { GCP_METRICS } from '../../shared/metrics/gcp-metrics';
import { CUSTOM_METRIC_PREFIX, findMetric, LOG_METRIC_PREFIX, logMetricOf, METRICS, type MetricDefinition } from '../../shared/metrics/metric-registry';
import { knownOpenMetricsSamples, parseFilter, promqlNameOf, promqlSelectors } from './support/metric-references';
import { ALERTING_DIR, cloudQueries, DASHBOARDS_DIR, GRAFANA_DIR, grafanaTargets, jsonFiles, PROMETHEUS_DIR } from './support/monitoring-files';

let inventory: MonitoringInventory;
beforeAll(async () => {
  inventory = monitoringInventory(await loadTerraform());
});

const registry = METRICS as readonly MetricDefinition[];
const logBased = registry.filter((m) => m.cloud === 'log-based');
const GOOGLE = new Set(GCP_METRICS.map((g) => g.type));

/** Cloud Monitoring's PromQL names (distributions with _bucket, _sum, _count) → metric type. */
function promqlTypes(): Map<string, string> {
  const types = new Map<string, string>();
  const add = (type: string, distribution: boolean) => {
    types.set(promqlNameOf(type), type);
    if (distribution) for (const s of ['_bucket', '_sum', '_count']) types.set(promqlNameOf(type) + s, type);
  };
  for (const g of GCP_METRICS) add(g.type, g.valueType === 'DISTRIBUTION');
  for (const m of registry) {
    if (m.cloud === 'custom') add(CUSTOM_METRIC_PREFIX + m.name, m.kind === 'histogram');
    if (m.cloud === 'log-based') add(LOG_METRIC_PREFIX + m.name, m.kind === 'histogram');
  }
  return types;
}

/** Why a Cloud Monitoring metric type a dashboard or policy names would hold no data once deployed; empty when it would. */
function cloudTypeProblems(type: string, inv: MonitoringInventory): string[] {
  if (GOOGLE.has(type)) return [];
  if (type.startsWith(LOG_METRIC_PREFIX)) {
    const id = 'taxasge/' + type.slice(LOG_METRIC_PREFIX.length);
    return inv.logMetrics.has(id) ? [] : [`${type}: no google_logging_metric named "${id}" in terraform/modules/monitoring`];
  }
  if (type.startsWith(CUSTOM_METRIC_PREFIX)) {
    const def = findMetric(type.slice(CUSTOM_METRIC_PREFIX.length));
    if (!def || def.cloud !== 'custom') return [`${type}: not a custom metric of shared/metrics/metric-registry.ts`];
    const needed = def.writer === 'every-function' ? ['event_function', 'http_function'] : ['http_function'];
    const problems: string[] = [];
    if (inv.metricsExport !== 'cloud-monitoring')
      problems.push(`${type}: its writer (${def.writer}) runs without METRICS_EXPORT=cloud-monitoring (terraform/modules/stack common_environment)`);
    for (const m of needed)
      if (!inv.modulesWithCommonEnvironment.includes(m)) problems.push(`${type}: module ${m} of the stack is not given local.common_environment`);
    return problems;
  }
  return [`${type}: neither Google-provided (shared/metrics/gcp-metrics.ts) nor defined in Terraform`];
}

interface Reference {
  where: string;
  /** Cloud Monitoring metric type, or an OpenMetrics sample name (Grafana, Prometheus rules). */
  type?: string;
  openMetrics?: string;
}

/** The metrics a Cloud Monitoring dashboard or policy names, by filter or PromQL. */
function cloudReferences(json: unknown, where: string): Reference[] {
  const byPromql = promqlTypes();
  return cloudQueries(json, where).flatMap((q): Reference[] => [
    ...(q.filter && !q.filter.startsWith('select_slo') ? parseFilter(q.filter).map((r) => ({ where: q.where, type: r.metricType })) : []),
    ...(q.promql ? promqlSelectors(q.promql).map((s) => ({ where: q.where, type: byPromql.get(s.metric) ?? `(PromQL) ${s.metric}` })) : []),
  ]);
}

const dashboards = jsonFiles(DASHBOARDS_DIR);
const policies = jsonFiles(ALERTING_DIR);
const promRules = (
  parse(readFileSync(path.join(PROMETHEUS_DIR, 'taxasge.rules.yml'), 'utf8')) as { groups: { rules: { alert?: string; record?: string; expr: string }[] }[] }
).groups.flatMap((g) => g.rules);
const recorded = new Set(promRules.flatMap((r) => (r.record ? [r.record] : [])));

function openMetricsProblems(ref: Reference): string[] {
  const name = ref.openMetrics!;
  if (name === 'up' || recorded.has(name) || knownOpenMetricsSamples().has(name)) return [];
  return [`${ref.where}: ${name} is not a sample /metrics exposes (shared/metrics/metric-registry.ts)`];
}

describe('the registry and Terraform are one source', () => {
  it('terraform/modules/monitoring/log-metrics.tf is what the registry generates (npm run generate:log-metrics)', () => {
    expect(readFileSync(LOG_METRICS_TF, 'utf8')).toBe(renderLogMetricsTf());
  });

  it('defines one google_logging_metric per log-based metric of the registry, and no other', () => {
    expect([...inventory.logMetrics.keys()].sort()).toEqual(logBased.map((m) => `taxasge/${m.name}`).sort());
  });

  it.each(logBased.map((m) => [m.name, m] as const))("%s: filter, kind, labels and buckets in Terraform are the registry's", (_n, m) => {
    const want = logMetricOf(m);
    const body = inventory.logMetrics.get(want.id)!.body as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect({
      filter: body.filter,
      valueType: body.metric_descriptor[0].value_type,
      labels: (body.metric_descriptor[0].labels ?? []).map((l: { key: string }) => l.key),
      extractors: body.label_extractors ?? {},
      value: body.value_extractor,
      buckets: body.bucket_options?.[0].explicit_buckets[0].bounds,
    }).toEqual({
      filter: want.filter,
      valueType: want.valueType,
      labels: [...want.labels],
      extractors: want.labelExtractors,
      value: want.valueExtractor,
      buckets: want.buckets && [...want.buckets],
    });
  });

  it('runs every function with the custom metric exporter on, in every environment', () => {
    expect(inventory.environments.sort()).toEqual(['dev', 'prod', 'staging']);
    expect(inventory.metricsExport).toBe('cloud-monitoring');
    expect(inventory.modulesWithCommonEnvironment.sort()).toEqual(['event_function', 'http_function']);
  });
});

describe('every metric a dashboard or alert names is Google-provided or delivered by Terraform', () => {
  const cloudRefs = [
    ...dashboards.flatMap((d) => cloudReferences(d.json, `dashboards/${d.name}`)),
    ...policies.flatMap((p) => cloudReferences(p.json, `alerting/${p.name}`)),
  ];
  const openRefs: Reference[] = [
    ...jsonFiles(GRAFANA_DIR).flatMap((g) => grafanaTargets(g).flatMap((t) => promqlSelectors(t.expr).map((s) => ({ where: t.where, openMetrics: s.metric })))),
    ...promRules.flatMap((r) => promqlSelectors(r.expr).map((s) => ({ where: `prometheus: ${r.alert ?? r.record}`, openMetrics: s.metric }))),
  ];

  it('finds the references', () => {
    expect(cloudRefs.length).toBeGreaterThan(100);
    expect(openRefs.length).toBeGreaterThan(50);
  });

  it('Cloud Monitoring dashboards and policies', () => {
    expect(cloudRefs.flatMap((r) => cloudTypeProblems(r.type!, inventory).map((p) => `${r.where}: ${p}`))).toEqual([]);
  });

  it('Grafana dashboards and Prometheus rules name samples /metrics exposes', () => {
    expect(openRefs.flatMap(openMetricsProblems)).toEqual([]);
  });

  it('would report a log metric Terraform lacks, a custom metric nobody exports, and an unknown metric', () => {
    const without = { ...inventory, logMetrics: new Map([...inventory.logMetrics].filter(([id]) => id !== 'taxasge/payments')), metricsExport: undefined };
    expect(cloudTypeProblems('logging.googleapis.com/user/taxasge/payments', without)).toEqual([
      'logging.googleapis.com/user/taxasge/payments: no google_logging_metric named "taxasge/payments" in terraform/modules/monitoring',
    ]);
    expect(cloudTypeProblems('custom.googleapis.com/taxasge/revenue_xaf', without)).toEqual([
      'custom.googleapis.com/taxasge/revenue_xaf: its writer (jobs) runs without METRICS_EXPORT=cloud-monitoring (terraform/modules/stack common_environment)',
    ]);
    expect(cloudTypeProblems('custom.googleapis.com/taxasge/webhooks_received', inventory)).toEqual([
      'custom.googleapis.com/taxasge/webhooks_received: not a custom metric of shared/metrics/metric-registry.ts',
    ]);
    expect(cloudTypeProblems('run.googleapis.com/request_count', inventory)).toEqual([]);
    expect(openMetricsProblems({ where: 'x', openMetrics: 'taxasge_document_uploads_requested_total' })).toEqual([
      'x: taxasge_document_uploads_requested_total is not a sample /metrics exposes (shared/metrics/metric-registry.ts)',
    ]);
  });
});

describe('alert policies depend on the log-based metrics they name', () => {
  /** The google_logging_metric resources a policy's conditions read. */
  const logMetricsOf = (json: unknown, where: string) => [
    ...new Set(cloudReferences(json, where).flatMap((r) => (r.type?.startsWith(LOG_METRIC_PREFIX) ? [r.type.slice(LOG_METRIC_PREFIX.length)] : []))),
  ];
  const missing = (deps: Set<string>) =>
    policies.flatMap((p) =>
      logMetricsOf(p.json, p.name)
        .filter((m) => !deps.has(m))
        .map((m) => `alerting/${p.name}: google_logging_metric.${m}`),
    );

  it('finds policies on log-based metrics, by filter and by PromQL', () => {
    const named = policies.flatMap((p) => logMetricsOf(p.json, p.name));
    expect(named).toEqual(expect.arrayContaining(['webhooks_received', 'reconciliation_discrepancies', 'payments']));
  });

  it('google_monitoring_alert_policy.this depends_on each of them', () => {
    expect(missing(inventory.alertDependsOn)).toEqual([]);
  });

  it('would report a policy whose log metric is not among its dependencies', () => {
    const deps = new Set([...inventory.alertDependsOn].filter((d) => d !== 'reconciliation_discrepancies'));
    expect(missing(deps)).toEqual(['alerting/reconciliation-discrepancies: google_logging_metric.reconciliation_discrepancies']);
  });
});
