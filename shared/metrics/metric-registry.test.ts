import { cloudMetricType, findMetric, METRICS, openMetricsName, registryProblems, type MetricDefinition } from './metric-registry';

const base = { module: 'http', cloud: 'custom', writer: 'every-function', source: 'process', labels: [], help: 'A metric.' } as const;

describe('the metric registry', () => {
  it('is sound: snake_case names, units as suffixes, buckets only on histograms, no colliding samples', () => {
    expect(registryProblems(METRICS)).toEqual([]);
  });

  it('covers the metrics issue 6 lists, each one emitted', () => {
    const names = METRICS.map((m) => m.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'http_requests',
        'http_request_duration_seconds',
        'http_problems',
        'new_declarations',
        'declaration_transitions',
        'review_queue_size',
        'review_queue_oldest_age_seconds',
        'payments',
        'revenue_xaf',
        'webhooks_received',
        'outbox_backlog',
        'dead_letters',
        'notification_deliveries',
        'login_attempts',
        'cache_lookups',
        'db_pool_connections',
        'db_query_duration_seconds',
      ]),
    );
  });

  it('names each metric for OpenMetrics and Cloud Monitoring', () => {
    expect(openMetricsName(findMetric('http_requests')!)).toBe('taxasge_http_requests');
    expect(cloudMetricType(findMetric('http_requests')!)).toBe('custom.googleapis.com/taxasge/http_requests');
    expect(cloudMetricType(findMetric('webhooks_received')!)).toBe('logging.googleapis.com/user/taxasge/webhooks_received');
    expect(cloudMetricType(findMetric('process_cpu_seconds')!)).toBeUndefined();
    expect(findMetric('process_cpu_seconds')!.google).toBe('run.googleapis.com/container/cpu/utilizations');
    expect(findMetric('nope')).toBeUndefined();
  });

  it.each<[string, MetricDefinition[], string]>([
    [
      'a duplicate',
      [
        { ...base, name: 'a', kind: 'gauge' },
        { ...base, name: 'a', kind: 'gauge' },
      ],
      'a: registered twice',
    ],
    ['a counter named _total', [{ ...base, name: 'a_total', kind: 'counter' }], 'a_total: a counter is named without _total (OpenMetrics adds it)'],
    ['a reserved suffix', [{ ...base, name: 'a_count', kind: 'gauge' }], 'a_count: ends with a suffix OpenMetrics reserves'],
    ['a unit not in the name', [{ ...base, name: 'a_ms', kind: 'gauge', unit: 'seconds' }], "a_ms: unit seconds must be the name's suffix"],
    ['a histogram without buckets', [{ ...base, name: 'a', kind: 'histogram' }], 'a: buckets are given for histograms and only for them'],
    ['decreasing buckets', [{ ...base, name: 'a', kind: 'histogram', buckets: [1, 0.5] }], 'a: buckets must increase'],
    ['a label named le', [{ ...base, name: 'a', kind: 'gauge', labels: ['le'] }], 'a: label "le" is not allowed'],
    ['help without a period', [{ ...base, name: 'a', kind: 'gauge', help: 'A metric' }], 'a: help is a sentence ending with a period'],
    ['a double quote in help', [{ ...base, name: 'a', kind: 'gauge', help: 'A "metric".' }], 'a: help holds no double quote'],
    [
      'a database counter',
      [{ ...base, name: 'a', kind: 'counter', source: 'database', writer: 'jobs' }],
      "a: values read from the database are gauges (or PostgreSQL's counters, Google's in Cloud Monitoring)",
    ],
    [
      'a log-based gauge',
      [{ ...base, name: 'a', kind: 'gauge', cloud: 'log-based', writer: undefined }],
      'a: a log-based metric counts events: a counter or a histogram',
    ],
    ['a custom metric nobody writes', [{ ...base, name: 'a', kind: 'gauge', writer: undefined }], 'a: custom metrics, and only they, name their writer'],
    ['a log-based metric with a writer', [{ ...base, name: 'a', kind: 'counter', cloud: 'log-based' }], 'a: custom metrics, and only they, name their writer'],
    [
      'a Google metric without its type',
      [{ ...base, name: 'a', kind: 'gauge', cloud: 'google', writer: undefined }],
      'a: google metrics, and only they, name the Google-provided metric type',
    ],
    [
      'a database gauge written by every function',
      [{ ...base, name: 'a', kind: 'gauge', source: 'database' }],
      'a: database gauges are written by the metrics-collector job (jobs)',
    ],
    [
      'colliding samples',
      [
        { ...base, name: 'a', kind: 'counter' },
        { ...base, name: 'a_total_x', kind: 'gauge' },
        { ...base, name: 'b_total', kind: 'gauge' },
        { ...base, name: 'b', kind: 'counter' },
      ],
      'b: sample name b_total collides with another metric',
    ],
    ['a camelCase name', [{ ...base, name: 'httpRequests', kind: 'gauge' }], 'httpRequests: expected snake_case'],
  ])('reports %s', (_what, registry, problem) => {
    expect(registryProblems(registry)).toEqual([problem]);
  });
});
