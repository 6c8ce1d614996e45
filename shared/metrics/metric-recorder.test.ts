import { createMetricEventLog, logMetricFilter } from './metric-event-log';
import { createMetricRecorder, MetricUsageError, type MetricEvent } from './metric-recorder';

const at = new Date('2026-01-15T09:00:00.000Z');

describe('the metric recorder', () => {
  it('counts by label set, whatever order the labels are given in', async () => {
    const r = createMetricRecorder({ now: () => at });
    r.increment('http_requests', { group: 'health', route: '/health', method: 'GET', status: '200' });
    r.increment('http_requests', { status: '200', method: 'GET', route: '/health', group: 'health' }, 2);
    r.increment('http_requests', { group: 'health', route: '/health', method: 'GET', status: '503' });
    const family = (await r.snapshot()).families.find((f) => f.definition.name === 'http_requests')!;
    expect(family.series).toEqual([
      { labels: { group: 'health', route: '/health', method: 'GET', status: '200' }, value: 3 },
      { labels: { group: 'health', route: '/health', method: 'GET', status: '503' }, value: 1 },
    ]);
  });

  it('puts an observation in the first bucket whose bound it does not exceed', async () => {
    const r = createMetricRecorder();
    for (const v of [0.005, 0.0051, 1, 10, 11]) r.observe('http_request_duration_seconds', { group: 'g', route: 'r', method: 'GET' }, v);
    const h = (await r.snapshot()).families.find((f) => f.definition.name === 'http_request_duration_seconds')!.series[0]!.histogram!;
    expect(h).toEqual({
      bucketCounts: [1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1],
      overflow: 1,
      count: 5,
      sum: 22.0101,
    });
  });

  it("sets gauges and replaces a family's series wholesale", async () => {
    const r = createMetricRecorder();
    r.set('catalog_services', { ministry: 'M-001' }, 3);
    r.replace('catalog_services', [{ labels: { ministry: 'M-002' }, value: 5 }]);
    expect((await r.snapshot()).families.find((f) => f.definition.name === 'catalog_services')!.series).toEqual([{ labels: { ministry: 'M-002' }, value: 5 }]);
  });

  it.each<[string, () => void, string]>([
    [
      'an unknown metric',
      () => createMetricRecorder().increment('nope' as 'payments', { status: 'x', method: 'y' }),
      'metric nope is not in the registry (shared/metrics/metric-registry.ts)',
    ],
    ['a gauge used as a counter', () => createMetricRecorder().increment('db_up' as 'receipts_issued', {}), 'metric db_up is a gauge, not a counter'],
    [
      'a missing label',
      () => createMetricRecorder().increment('payments', { status: 'succeeded' } as never),
      'metric payments takes labels [status, method]; got [status] (missing method)',
    ],
    [
      'an unknown label',
      () => createMetricRecorder().increment('receipts_issued', { kind: 'x' } as never),
      'metric receipts_issued takes labels []; got [kind] (unknown kind)',
    ],
    [
      'a label that is not a string',
      () => createMetricRecorder().set('catalog_services', { ministry: 7 } as never, 1),
      'metric catalog_services: label ministry must be a string, got number',
    ],
    [
      'a huge label value',
      () => createMetricRecorder().set('catalog_services', { ministry: 'x'.repeat(300) }, 1),
      'metric catalog_services: label ministry is 300 characters; at most 256',
    ],
    ['a negative increment', () => createMetricRecorder().increment('receipts_issued', {}, -1), 'metric receipts_issued: a counter only goes up; got -1'],
    ['NaN', () => createMetricRecorder().set('db_up', {}, NaN), 'metric db_up: expected a finite number, got NaN'],
    [
      'a bad reading in a replace',
      () => createMetricRecorder().replace('catalog_services', [{ labels: { ministry: 'M-001' }, value: Infinity }]),
      'metric catalog_services: expected a finite number, got Infinity',
    ],
  ])('refuses %s', (_what, use, message) => {
    expect(use).toThrow(new MetricUsageError(message));
  });

  it('keeps at most maxSeriesPerMetric label sets and counts what it drops', async () => {
    const r = createMetricRecorder({ maxSeriesPerMetric: 2 });
    for (const m of ['M-001', 'M-002', 'M-003', 'M-004']) r.set('catalog_services', { ministry: m }, 1);
    const families = (await r.snapshot()).families;
    expect(families.find((f) => f.definition.name === 'catalog_services')!.series).toHaveLength(2);
    expect(families.find((f) => f.definition.name === 'metrics_series_dropped')!.series).toEqual([{ labels: { metric: 'catalog_services' }, value: 2 }]);
  });

  it('hands every event of a log-based metric to onEvent, and only those', () => {
    const events: MetricEvent[] = [];
    const r = createMetricRecorder({ onEvent: (e) => events.push(e) });
    r.increment('webhooks_received', { type: 'payment.succeeded', outcome: 'accepted' });
    r.observe('review_duration_seconds', { ministry: 'M-001' }, 3600);
    r.increment('http_requests', { group: 'g', route: 'r', method: 'GET', status: '200' });
    expect(events).toEqual([
      { name: 'webhooks_received', labels: { type: 'payment.succeeded', outcome: 'accepted' }, value: 1 },
      { name: 'review_duration_seconds', labels: { ministry: 'M-001' }, value: 3600 },
    ]);
  });

  it('returns snapshots that later recording does not change', async () => {
    const r = createMetricRecorder();
    r.observe('db_query_duration_seconds', { operation: 'select', outcome: 'ok' }, 0.002);
    const before = await r.snapshot();
    r.observe('db_query_duration_seconds', { operation: 'select', outcome: 'ok' }, 0.002);
    expect(before.families.find((f) => f.definition.name === 'db_query_duration_seconds')!.series[0]!.histogram!.count).toBe(1);
  });
});

describe('the metric event log', () => {
  it('writes one Cloud Logging line per event, in the shape the log-based metrics filter on', () => {
    const lines: string[] = [];
    const log = createMetricEventLog({ write: (l) => lines.push(l), now: () => at });
    log({ name: 'login_attempts', labels: { outcome: 'success' }, value: 1 });
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { severity: 'INFO', message: 'metric', time: '2026-01-15T09:00:00.000Z', metric: { name: 'login_attempts', labels: { outcome: 'success' }, value: 1 } },
    ]);
    expect(logMetricFilter('login_attempts')).toBe('jsonPayload.message="metric" AND jsonPayload.metric.name="login_attempts"');
  });
});
