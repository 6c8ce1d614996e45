/**
 * Each Cloud Monitoring alert policy (alerting/*.json) and its Prometheus twin (taxasge.rules.yml),
 * whose promtool unit tests make it fire and stay quiet, watch the same thing: each condition's
 * metric has its counterpart in the twin's expression, with the same comparison, threshold and
 * duration. A policy written in PromQL is the twin's expression over Google's names, and is itself
 * run by promtool on the twin's test data, renamed as Managed Service for Prometheus names it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { METRICS, openMetricsName, type MetricDefinition } from '../../shared/metrics/metric-registry';
import { ALERTING_DIR, jsonFiles, PROMETHEUS_DIR } from './support/monitoring-files';
import { promtool } from './support/prometheus-tools';

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleTest {
  name: string;
  interval?: string;
  input_series: { series: string; values: string }[];
  alert_rule_test?: { eval_time: string; alertname: string; exp_alerts: unknown[] }[];
}
interface Threshold {
  filter: string;
  comparison: 'COMPARISON_GT' | 'COMPARISON_LT';
  thresholdValue?: number;
  duration: string;
}
interface Policy {
  userLabels: { alert: string; severity: string };
  conditions: { displayName: string; conditionThreshold?: Threshold; conditionPrometheusQueryLanguage?: { query: string; duration: string } }[];
}

const RULES = path.join(PROMETHEUS_DIR, 'taxasge.rules.yml');
const alerts = (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules).filter((r) => r.alert);
const ruleTests = (parse(readFileSync(path.join(PROMETHEUS_DIR, 'taxasge.rules.test.yml'), 'utf8')) as { tests: RuleTest[] }).tests;
const policies = jsonFiles(ALERTING_DIR).map((f) => ({ name: f.name, policy: f.json as unknown as Policy }));
const twinOf = (name: string) => alerts.find((a) => a.annotations?.runbook === `docs/RUNBOOK.md#${name}`);

/** Google's metrics and what /metrics serves for the same figure; Cloud-only ones say why the twin cannot see them. */
const GOOGLE_COUNTERPARTS: Record<string, { sample: string; scale?: number } | { none: string }> = {
  'run.googleapis.com/request_count': { sample: 'taxasge_http_requests_total' },
  'run.googleapis.com/request_latencies': { sample: 'taxasge_http_request_duration_seconds_bucket', scale: 1 / 1000 },
  'cloudsql.googleapis.com/database/up': { sample: 'taxasge_db_up' },
  'cloudsql.googleapis.com/database/disk/utilization': { sample: 'taxasge_db_size_bytes' },
  'monitoring.googleapis.com/uptime_check/check_passed': { sample: 'up' },
  'pubsub.googleapis.com/subscription/num_undelivered_messages': { sample: 'taxasge_dead_letters' },
  'pubsub.googleapis.com/subscription/oldest_unacked_message_age': { none: 'Pub/Sub holds its messages; nothing in the process sees an unacknowledged push' },
  ...Object.fromEntries(
    (METRICS as readonly MetricDefinition[])
      .filter((m) => (m.cloud === 'google' && m.kind !== 'gauge') || m.name === 'process_resident_memory_bytes')
      .map((m) => [m.google!, { sample: openMetricsName(m) + (m.kind === 'counter' ? '_total' : '') }]),
  ),
};

/** Where a twin's threshold differs by construction, and why. */
const THRESHOLD_EXCEPTIONS: Record<string, string> = {
  'api-down': 'the uptime check fails from more than 1 of its regions; Prometheus is one scraper, so up == 0',
};

const SLO_WINDOWS: Record<string, string> = { '300s': '5m', '1800s': '30m', '3600s': '1h', '21600s': '6h', '259200s': '3d' };

/** The twin's sample for a condition's metric, or why there is none. */
function counterpart(filter: string): { sample: string; scale?: number } | { none: string } {
  const slo = /select_slo_burn_rate\("[^"]*\/serviceLevelObjectives\/(availability|latency)", "(\d+s)"\)/.exec(filter);
  if (slo) return { sample: `taxasge:slo_${slo[1] === 'availability' ? 'availability_errors' : 'latency_slow'}:ratio_rate${SLO_WINDOWS[slo[2]!]}` };
  const type = /metric\.type="([^"]+)"/.exec(filter)?.[1] ?? '';
  const ours = /^(?:custom\.googleapis\.com|logging\.googleapis\.com\/user)\/taxasge\/(\w+)$/.exec(type);
  if (ours) {
    const m = (METRICS as readonly MetricDefinition[]).find((d) => d.name === ours[1]);
    if (!m) return { none: `${type} is not in the registry` };
    return { sample: openMetricsName(m) + (m.kind === 'counter' ? '_total' : m.kind === 'histogram' ? '_bucket' : '') };
  }
  return GOOGLE_COUNTERPARTS[type] ?? { none: `no counterpart known for ${type}: add it to GOOGLE_COUNTERPARTS` };
}

const seconds = (d: string | undefined): number => {
  if (!d) return 0;
  const m = /^(\d+)(s|m|h|d)$/.exec(d);
  if (!m) throw new Error(`unknown duration ${d}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
};
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** What one policy's conditions expect of its twin that the twin does not do. */
function mismatches(name: string, policy: Policy, twin: Rule | undefined): string[] {
  if (!twin) return [`${name}: no twin with runbook docs/RUNBOOK.md#${name}`];
  const problems: string[] = [];
  const durations: number[] = [];
  for (const c of policy.conditions) {
    if (c.conditionPrometheusQueryLanguage) {
      const q = c.conditionPrometheusQueryLanguage;
      if (normalizeCloudPromql(q.query) !== normalizeCloudPromql(twin.expr))
        problems.push(`${name}: the PromQL differs from the twin's once renamed:\n${normalizeCloudPromql(q.query)}\n${normalizeCloudPromql(twin.expr)}`);
      durations.push(seconds(q.duration));
      continue;
    }
    const t = c.conditionThreshold!;
    const other = counterpart(t.filter);
    if ('none' in other) {
      if (other.none.startsWith('no counterpart') || other.none.includes('not in the registry')) problems.push(`${name} / ${c.displayName}: ${other.none}`);
      continue;
    }
    durations.push(seconds(t.duration));
    if (!new RegExp(`(^|[^\\w:])${escape(other.sample)}([^\\w:]|$)`).test(twin.expr))
      problems.push(`${name} / ${c.displayName}: the twin does not read ${other.sample}`);
    if (THRESHOLD_EXCEPTIONS[name]) continue;
    const value = Number(((t.thresholdValue ?? 0) * (other.scale ?? 1)).toPrecision(12));
    const op = t.comparison === 'COMPARISON_GT' ? '>' : '<';
    if (!new RegExp(`${escape(op)}\\s*${escape(String(value))}(?![\\d.])`).test(twin.expr))
      problems.push(`${name} / ${c.displayName}: the twin does not compare ${op} ${value}`);
  }
  // Conditions combine with OR: the twin waits as long as they do.
  if (durations.length && new Set(durations).size === 1 && durations[0] !== seconds(twin.for))
    problems.push(`${name}: waits ${durations[0]} s, the twin ${seconds(twin.for)} s`);
  if (new Set(durations).size > 1) problems.push(`${name}: conditions with different durations (${durations.join(', ')} s) cannot have one twin`);
  return problems;
}

/** Managed Service for Prometheus names of our log-based metrics, back to the OpenMetrics names of the twin. */
function normalizeCloudPromql(q: string): string {
  return q
    .replace(/logging_googleapis_com:user_taxasge_(\w+)\{monitored_resource="cloud_run_revision",?/g, 'taxasge_$1_total{')
    .replace(/\{\}/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A twin test's series, as Cloud Monitoring would hold it for a PromQL condition. */
function toCloudSeries(series: string): string {
  return series.replace(
    /^taxasge_(\w+)_total\{(.*)\}$/,
    (_, n: string, labels: string) => `logging_googleapis_com:user_taxasge_${n}{monitored_resource="cloud_run_revision"${labels ? ',' + labels : ''}}`,
  );
}

describe('Cloud Monitoring policies and their Prometheus twins', () => {
  it('pair up: one twin per policy', () => {
    expect(policies.filter((p) => !twinOf(p.name)).map((p) => p.name)).toEqual([]);
  });

  it.each(policies.map((p) => [p.name, p.policy] as const))(
    '%s: the twin reads the same metric, compares with the same threshold and waits as long',
    (name, policy) => {
      expect(mismatches(name, policy, twinOf(name))).toEqual([]);
    },
  );

  it('would report a twin on another metric, another threshold, another duration or another query', () => {
    const policy = policies.find((p) => p.name === 'outbox-backlog-growing')!.policy;
    const twin = twinOf('outbox-backlog-growing')!;
    expect(
      mismatches('outbox-backlog-growing', policy, { ...twin, expr: twin.expr.replace('taxasge_outbox_oldest_age_seconds', 'taxasge_outbox_backlog') }),
    ).toEqual([expect.stringContaining('does not read taxasge_outbox_oldest_age_seconds')]);
    expect(mismatches('outbox-backlog-growing', policy, { ...twin, expr: twin.expr.replace('> 300', '> 600') })).toEqual([
      expect.stringContaining('does not compare > 300'),
    ]);
    expect(mismatches('outbox-backlog-growing', policy, { ...twin, for: '5m' })).toEqual([expect.stringContaining('waits 600 s, the twin 300 s')]);
    const latency = policies.find((p) => p.name === 'latency-p95-high')!.policy;
    expect(
      mismatches('latency-p95-high', latency, { ...twinOf('latency-p95-high')!, expr: twinOf('latency-p95-high')!.expr.replace('> 1', '> 1000') }),
    ).toEqual([expect.stringContaining('does not compare > 1')]);
    const bange = policies.find((p) => p.name === 'bange-silent')!.policy;
    expect(mismatches('bange-silent', bange, { ...twinOf('bange-silent')!, expr: twinOf('bange-silent')!.expr.replace('[30m]', '[1h]') })).toEqual([
      expect.stringContaining('PromQL differs'),
    ]);
    expect(
      mismatches(
        'x',
        {
          ...policy,
          conditions: [
            {
              displayName: 'c',
              conditionThreshold: { filter: 'metric.type="run.googleapis.com/container/billable_instance_time"', comparison: 'COMPARISON_GT', duration: '0s' },
            },
          ],
        },
        twin,
      ),
    ).toEqual([expect.stringContaining('no counterpart known')]);
  });

  it("runs each PromQL policy's own query with promtool on its twin's test data, firing and staying quiet alike", () => {
    const promqlPolicies = policies.filter((p) => p.policy.conditions.some((c) => c.conditionPrometheusQueryLanguage));
    expect(promqlPolicies.length).toBeGreaterThan(0);
    const dir = mkdtempSync(path.join(tmpdir(), 'taxasge-cloud-promql-'));
    try {
      const rules: Rule[] = [];
      const tests: RuleTest[] = [];
      for (const { name, policy } of promqlPolicies) {
        const twin = twinOf(name)!;
        const q = policy.conditions.find((c) => c.conditionPrometheusQueryLanguage)!.conditionPrometheusQueryLanguage!;
        rules.push({ alert: twin.alert!, expr: q.query, for: `${seconds(q.duration)}s`, labels: twin.labels ?? {}, annotations: twin.annotations ?? {} });
        const own = ruleTests.filter((t) => t.alert_rule_test?.some((a) => a.alertname === twin.alert));
        const fires = own.some((t) => t.alert_rule_test!.some((a) => a.alertname === twin.alert && a.exp_alerts.length > 0));
        const quiet = own.some((t) => t.alert_rule_test!.some((a) => a.alertname === twin.alert && a.exp_alerts.length === 0));
        expect({ name, fires, quiet }).toEqual({ name, fires: true, quiet: true });
        for (const t of own) {
          tests.push({
            ...t,
            name: `${name} (Cloud Monitoring's query): ${t.name}`,
            input_series: t.input_series.map((s) => ({ ...s, series: toCloudSeries(s.series) })),
            alert_rule_test: t.alert_rule_test!.filter((a) => a.alertname === twin.alert),
          });
        }
      }
      expect(tests.flatMap((t) => t.input_series).filter((s) => s.series.startsWith('taxasge_'))).toEqual([]);
      writeFileSync(path.join(dir, 'cloud.rules.yml'), stringify({ groups: [{ name: 'cloud-promql-policies', rules }] }));
      writeFileSync(path.join(dir, 'cloud.rules.test.yml'), stringify({ rule_files: ['cloud.rules.yml'], evaluation_interval: '1m', tests }));
      const r = promtool(['test', 'rules', path.join(dir, 'cloud.rules.test.yml')]);
      expect({ status: r.status, output: r.status === 0 ? '' : r.stdout + r.stderr }).toEqual({ status: 0, output: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
