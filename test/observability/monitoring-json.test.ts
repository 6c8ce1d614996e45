/**
 * Every dashboard and alert policy decodes as the Cloud Monitoring API type (a strict walk over the
 * reflected protos), and names only metrics the code emits or Google publishes.
 */
import { readFileSync } from 'node:fs';
import { knownCloudMetrics, knownCloudPromqlNames, parseFilter, promqlSelectors, RESOURCE_LABELS } from './support/metric-references';
import { ALERTING_DIR, cloudQueries, DASHBOARDS_DIR, jsonFiles, markdownAnchors, RUNBOOK } from './support/monitoring-files';
import { decodeProblems, lookupType } from './support/proto-walker';

const Dashboard = lookupType('@google-cloud/monitoring-dashboards', 'google.monitoring.dashboard.v1.Dashboard');
const AlertPolicy = lookupType('@google-cloud/monitoring', 'google.monitoring.v3.AlertPolicy');

const dashboards = jsonFiles(DASHBOARDS_DIR);
const policies = jsonFiles(ALERTING_DIR);

const DASHBOARD_NAMES = [
  'agents',
  'api-overview',
  'auth',
  'business',
  'cache',
  'database',
  'declarations',
  'documents',
  'notifications',
  'payments',
  'system',
  'webhooks',
];

describe('the strict decoder', () => {
  const valid = {
    displayName: 'x',
    mosaicLayout: {
      columns: 48,
      tiles: [
        {
          width: 24,
          height: 16,
          widget: {
            title: 't',
            xyChart: {
              dataSets: [
                {
                  timeSeriesQuery: { timeSeriesFilter: { filter: 'metric.type="a"', aggregation: { alignmentPeriod: '60s', perSeriesAligner: 'ALIGN_RATE' } } },
                  plotType: 'LINE',
                },
              ],
            },
          },
        },
      ],
    },
  };
  const widget = (w: object) => ({ ...valid, mosaicLayout: { columns: 48, tiles: [{ width: 24, height: 16, widget: w }] } });

  it('accepts a valid dashboard with proto3 JSON durations', () => {
    expect(decodeProblems(Dashboard, valid)).toEqual([]);
  });

  it('refuses a misspelled field and suggests the right one', () => {
    const problems = decodeProblems(Dashboard, { ...valid, mosaicLayout: { colums: 48, tiles: [] } });
    expect(problems).toEqual(['$.mosaicLayout.colums: unknown field of google.monitoring.dashboard.v1.MosaicLayout (did you mean "columns"?)']);
  });

  it('refuses a misspelled field deep in an alert policy', () => {
    const problems = decodeProblems(AlertPolicy, {
      displayName: 'x',
      conditions: [{ displayName: 'c', conditionThreshold: { filter: 'f', thresholdValu: 1 } }],
    });
    expect(problems).toEqual([
      '$.conditions[0].conditionThreshold.thresholdValu: unknown field of google.monitoring.v3.AlertPolicy.Condition.MetricThreshold (did you mean "thresholdValue"?)',
    ]);
  });

  it('refuses an unknown enum value, with a suggestion', () => {
    const problems = decodeProblems(AlertPolicy, { combiner: 'ANDD' });
    expect(problems).toEqual(['$.combiner: "ANDD" is not a ConditionCombinerType (did you mean "AND"?)']);
  });

  it('refuses a duration that is not proto3 JSON', () => {
    expect(decodeProblems(AlertPolicy, { alertStrategy: { autoClose: 86400 } })).toEqual([
      '$.alertStrategy.autoClose: expected a duration such as "60s", got 86400',
    ]);
    expect(decodeProblems(AlertPolicy, { alertStrategy: { autoClose: '1d' } })).toHaveLength(1);
    expect(decodeProblems(AlertPolicy, { alertStrategy: { autoClose: '1.5s' } })).toEqual([]);
  });

  it('refuses two members of one oneof', () => {
    const problems = decodeProblems(Dashboard, widget({ title: 't', text: { content: 'a' }, blank: {} }));
    expect(problems).toEqual(['$.mosaicLayout.tiles[0].widget.blank: text and blank both set, but they are one oneof (content)']);
  });

  it('refuses wrong scalar types and non-lists', () => {
    expect(decodeProblems(Dashboard, { displayName: 3, mosaicLayout: { columns: 1.5, tiles: {} } })).toEqual([
      '$.displayName: expected string, got 3',
      '$.mosaicLayout.columns: expected int32, got 1.5',
      '$.mosaicLayout.tiles: expected a list',
    ]);
  });
});

describe('dashboards/', () => {
  it('holds the 12 dashboards, one file each', () => {
    expect(dashboards.map((d) => d.name)).toEqual(DASHBOARD_NAMES);
  });

  it.each(dashboards.map((d) => [d.name, d] as const))('%s decodes as google.monitoring.dashboard.v1.Dashboard', (_name, d) => {
    expect(decodeProblems(Dashboard, d.json)).toEqual([]);
  });

  it.each(dashboards.map((d) => [d.name, d] as const))('%s lays its tiles inside 48 columns without overlap', (_name, d) => {
    const layout = d.json.mosaicLayout as { columns: number; tiles: { xPos?: number; yPos?: number; width: number; height: number }[] };
    const cells = new Set<string>();
    const problems: string[] = [];
    layout.tiles.forEach((t, i) => {
      if ((t.xPos ?? 0) + t.width > layout.columns) problems.push(`tile ${i} ends past column ${layout.columns}`);
      for (let x = t.xPos ?? 0; x < (t.xPos ?? 0) + t.width; x++) {
        for (let y = t.yPos ?? 0; y < (t.yPos ?? 0) + t.height; y++) {
          if (cells.has(`${x},${y}`)) problems.push(`tile ${i} overlaps at ${x},${y}`);
          cells.add(`${x},${y}`);
        }
      }
    });
    expect([...new Set(problems)]).toEqual([]);
  });
});

describe('alerting/', () => {
  const runbookAnchors = markdownAnchors(readFileSync(RUNBOOK, 'utf8'));

  it('holds at least 12 alert policies', () => {
    expect(policies.length).toBeGreaterThanOrEqual(12);
  });

  it.each(policies.map((p) => [p.name, p] as const))('%s decodes as google.monitoring.v3.AlertPolicy', (_name, p) => {
    expect(decodeProblems(AlertPolicy, p.json)).toEqual([]);
  });

  it.each(policies.map((p) => [p.name, p] as const))('%s routes by severity and leaves notification channels to Terraform', (_name, p) => {
    const labels = p.json.userLabels as Record<string, string>;
    expect({ alert: labels.alert, severity: labels.severity, apiSeverity: p.json.severity, channels: p.json.notificationChannels }).toEqual({
      alert: p.name,
      severity: expect.stringMatching(/^(critical|warning)$/),
      apiSeverity: labels.severity === 'critical' ? 'CRITICAL' : 'WARNING',
      channels: undefined,
    });
  });

  it.each(policies.map((p) => [p.name, p] as const))('%s links its section of docs/RUNBOOK.md', (_name, p) => {
    const content = (p.json.documentation as { content: string }).content;
    const links = [...content.matchAll(/https:\/\/github\.com\/taxasge\/taxasge\/blob\/main\/docs\/RUNBOOK\.md#([a-z0-9-]+)/g)].map((m) => m[1]!);
    expect(links).toEqual([p.name]);
    expect(runbookAnchors.has(p.name)).toBe(true);
  });

  it('uses only the placeholder Terraform substitutes (__PROJECT_ID__)', () => {
    const placeholders = [...dashboards, ...policies].flatMap((f) => [...JSON.stringify(f.json).matchAll(/__([A-Z_]+)__|\$\{([^}]*)\}/g)].map((m) => m[0]));
    expect([...new Set(placeholders)]).toEqual(['__PROJECT_ID__']);
  });

  it('covers the alerts the issue asks for', () => {
    expect(policies.map((p) => p.name)).toEqual(
      expect.arrayContaining([
        'api-down',
        'error-rate-high',
        'database-connection-lost',
        'webhook-processing-failures',
        'latency-p95-high',
        'cpu-high',
        'memory-high',
        'cloud-sql-disk-low',
        'outbox-backlog-growing',
        'dead-letters-present',
        'bange-silent',
        'amount-mismatch',
        'slo-availability-fast-burn',
        'slo-availability-medium-burn',
        'slo-availability-slow-burn',
        'slo-latency-fast-burn',
        'slo-latency-medium-burn',
        'slo-latency-slow-burn',
      ]),
    );
  });
});

describe('every metric a dashboard or policy names is emitted by the code or published by Google Cloud', () => {
  const known = knownCloudMetrics();
  const promqlNames = knownCloudPromqlNames();
  const queries = [
    ...dashboards.flatMap((d) => cloudQueries(d.json, `dashboards/${d.name}`)),
    ...policies.flatMap((p) => cloudQueries(p.json, `alerting/${p.name}`)),
  ];

  function problemsOf(q: (typeof queries)[number]): string[] {
    const problems: string[] = [];
    if (q.filter !== undefined) {
      const slo = /^select_slo_burn_rate\("projects\/__PROJECT_ID__\/services\/taxasge-api\/serviceLevelObjectives\/(availability|latency)", "(\d+)s"\)$/.exec(
        q.filter,
      );
      if (q.filter.startsWith('select_slo')) return slo ? [] : [`${q.where}: not a burn rate of the availability or latency SLO of service taxasge-api`];
      const refs = parseFilter(q.filter, q.groupBy);
      if (refs.length !== 1) return [`${q.where}: expected one metric.type in "${q.filter}"`];
      const ref = refs[0]!;
      const metric = known.get(ref.metricType);
      if (!metric) return [`${q.where}: ${ref.metricType} is neither in shared/metrics/metric-registry.ts nor in shared/metrics/gcp-metrics.ts`];
      if (ref.resourceType !== metric.resource)
        problems.push(`${q.where}: ${ref.metricType} is written on resource ${metric.resource}, not ${ref.resourceType}`);
      for (const l of ref.metricLabels)
        if (!metric.labels.includes(l)) problems.push(`${q.where}: ${ref.metricType} has no label ${l} (labels: ${metric.labels.join(', ')})`);
      for (const l of ref.resourceLabels)
        if (!(RESOURCE_LABELS[metric.resource] ?? []).includes(l)) problems.push(`${q.where}: resource ${metric.resource} has no label ${l}`);
    }
    if (q.promql !== undefined) {
      for (const s of promqlSelectors(q.promql)) {
        const metric = promqlNames.get(s.metric);
        if (!metric) {
          problems.push(`${q.where}: PromQL names ${s.metric}, which maps to no known Cloud Monitoring metric`);
          continue;
        }
        const allowed = [...metric.labels, ...(RESOURCE_LABELS[metric.resource] ?? []), 'monitored_resource', 'le'];
        for (const l of s.labels) if (!allowed.includes(l)) problems.push(`${q.where}: ${s.metric} has no label ${l}`);
      }
    }
    return problems;
  }

  it('finds queries in every file', () => {
    expect(queries.length).toBeGreaterThan(100);
    for (const f of [...dashboards.map((d) => `dashboards/${d.name}`), ...policies.map((p) => `alerting/${p.name}`)]) {
      expect({ file: f, queries: queries.some((q) => q.where.startsWith(f)) }).toEqual({ file: f, queries: true });
    }
  });

  it('finds each of them, with its labels, in the registry or the documented GCP list', () => {
    expect(queries.flatMap(problemsOf)).toEqual([]);
  });

  it('would report a metric nobody emits and a label a metric does not have', () => {
    expect(problemsOf({ where: 'x', filter: 'metric.type="custom.googleapis.com/taxasge/webhooks_recieved" resource.type="generic_task"' })).toEqual([
      'x: custom.googleapis.com/taxasge/webhooks_recieved is neither in shared/metrics/metric-registry.ts nor in shared/metrics/gcp-metrics.ts',
    ]);
    expect(
      problemsOf({ where: 'x', filter: 'metric.type="run.googleapis.com/request_count" resource.type="cloud_run_revision" metric.label.status="500"' }),
    ).toEqual(['x: run.googleapis.com/request_count has no label status (labels: response_code, response_code_class, route)']);
    expect(problemsOf({ where: 'x', promql: 'sum(rate(custom_googleapis_com:taxasge_http_request[5m]))' })).toEqual([
      'x: PromQL names custom_googleapis_com:taxasge_http_request, which maps to no known Cloud Monitoring metric',
    ]);
  });
});
