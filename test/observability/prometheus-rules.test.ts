/**
 * The Prometheus twins of the alert policies pass `promtool check rules` and their unit tests, each
 * alert firing and not firing; every PromQL expression in dashboards and policies parses.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { knownOpenMetricsSamples, promqlSelectors } from './support/metric-references';
import { ALERTING_DIR, cloudQueries, DASHBOARDS_DIR, GRAFANA_DIR, grafanaTargets, jsonFiles, PROMETHEUS_DIR } from './support/monitoring-files';
import { promtool, requireBinary } from './support/prometheus-tools';

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}
interface RuleTests {
  tests: { name: string; alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
}

const RULES = path.join(PROMETHEUS_DIR, 'taxasge.rules.yml');
const TESTS = path.join(PROMETHEUS_DIR, 'taxasge.rules.test.yml');
const rules = (parse(readFileSync(RULES, 'utf8')) as RuleFile).groups.flatMap((g) => g.rules);
const alerts = rules.filter((r) => r.alert);
const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));
const policies = jsonFiles(ALERTING_DIR);

/** Runs `promtool check rules` over these expressions, as recording rules of a temporary file. */
function checkExpressions(exprs: { where: string; expr: string }[]): { status: number | null; output: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'taxasge-promql-'));
  try {
    const file = path.join(dir, 'exprs.yml');
    const body = exprs
      .map((e, i) => `      - record: check:expr_${i}\n        expr: ${JSON.stringify(e.expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m'))}`)
      .join('\n');
    writeFileSync(file, `groups:\n  - name: expressions\n    rules:\n${body}\n`);
    const r = promtool(['check', 'rules', file]);
    return { status: r.status, output: r.stdout + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('alerting/prometheus', () => {
  it('fails, saying how to get it, when promtool is missing (never skips)', () => {
    expect(() => requireBinary('promtool', '/nonexistent')).toThrow(
      "promtool is not on PATH: install it with `apt-get install -y prometheus` (Debian's package; `.ci/run` installs it before `npm test`)",
    );
    expect(requireBinary('promtool')).toMatch(/\/promtool$/);
  });

  it('passes promtool check rules', () => {
    const r = promtool(['check', 'rules', RULES]);
    expect({ status: r.status, output: r.stdout + r.stderr }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('passes promtool test rules', () => {
    const r = promtool(['test', 'rules', TESTS]);
    expect({ status: r.status, output: r.stdout + r.stderr }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  }, 60_000);

  it('has one twin per Cloud Monitoring policy, with the same runbook section and severity', () => {
    const twins = alerts.map((a) => ({ id: a.annotations?.runbook?.replace('docs/RUNBOOK.md#', ''), severity: a.labels?.severity }));
    const expected = policies.map((p) => ({ id: p.name, severity: (p.json.userLabels as Record<string, string>).severity }));
    const byId = (x: { id?: string }, y: { id?: string }) => (x.id ?? '').localeCompare(y.id ?? '');
    expect(twins.sort(byId)).toEqual(expected.sort(byId));
  });

  it('unit-tests every alert firing at least once and staying quiet at least once', () => {
    const cases = (parse(readFileSync(TESTS, 'utf8')) as RuleTests).tests.flatMap((t) => t.alert_rule_test ?? []);
    const coverage = alerts.map((a) => ({
      alert: a.alert,
      firing: cases.some((c) => c.alertname === a.alert && c.exp_alerts.length > 0),
      quiet: cases.some((c) => c.alertname === a.alert && c.exp_alerts.length === 0),
    }));
    expect(coverage).toEqual(alerts.map((a) => ({ alert: a.alert, firing: true, quiet: true })));
  });

  it("names only metrics /metrics serves, Prometheus's own up, and its recording rules", () => {
    const samples = knownOpenMetricsSamples();
    const unknown = rules.flatMap((r) => promqlSelectors(r.expr).filter((s) => !samples.has(s.metric) && !recorded.has(s.metric) && s.metric !== 'up'));
    expect(unknown).toEqual([]);
  });
});

describe('PromQL of the Grafana dashboards', () => {
  const grafana = jsonFiles(GRAFANA_DIR);
  const targets = grafana.flatMap(grafanaTargets);

  it('holds the same 12 dashboards as dashboards/', () => {
    expect(grafana.map((d) => d.name)).toEqual(jsonFiles(DASHBOARDS_DIR).map((d) => d.name));
    for (const d of grafana)
      expect({ name: d.name, uid: d.json.uid, panels: (d.json.panels as unknown[]).length > 3 }).toEqual({
        name: d.name,
        uid: `taxasge-${d.name}`,
        panels: true,
      });
  });

  it('parses (promtool)', () => {
    expect(targets.length).toBeGreaterThan(60);
    expect(checkExpressions(targets)).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('names only OpenMetrics names of the registry, with their labels', () => {
    const samples = knownOpenMetricsSamples();
    const problems = targets.flatMap((t) =>
      promqlSelectors(t.expr).flatMap((s) => {
        if (s.metric === 'up') return [];
        const def = samples.get(s.metric);
        if (!def) return [`${t.where}: ${s.metric} is not served by /metrics`];
        const allowed = [...def.labels, 'job', 'instance', ...(s.metric.endsWith('_bucket') ? ['le'] : [])];
        return s.labels.filter((l) => !allowed.includes(l)).map((l) => `${t.where}: ${s.metric} has no label ${l}`);
      }),
    );
    expect(problems).toEqual([]);
  });

  it('would report a misspelled metric or label', () => {
    const samples = knownOpenMetricsSamples();
    const selectors = promqlSelectors(
      'sum by (group) (rate(taxasge_http_request_total{grop="x"}[$__rate_interval])) / on() taxasge_http_problems_total{code="a"} offset 5m',
    );
    expect(selectors).toEqual([
      { metric: 'taxasge_http_request_total', labels: ['grop'] },
      { metric: 'taxasge_http_problems_total', labels: ['code'] },
    ]);
    expect(samples.has('taxasge_http_request_total')).toBe(false);
  });
});

describe('PromQL of the Cloud Monitoring dashboards and policies', () => {
  const promql = [...jsonFiles(DASHBOARDS_DIR), ...policies]
    .flatMap((f) => cloudQueries(f.json, f.name))
    .flatMap((q) => (q.promql ? [{ where: q.where, expr: q.promql }] : []));

  it('parses (promtool)', () => {
    expect(promql.length).toBeGreaterThan(0);
    expect(checkExpressions(promql)).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('a broken expression fails the check', () => {
    expect(checkExpressions([{ where: 'x', expr: 'sum(rate(x[5m])' }]).status).not.toBe(0);
  });
});
