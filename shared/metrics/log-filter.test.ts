import { createMetricEventLog } from './metric-event-log';
import { extractFromLog, logEntryOf, matchesLogFilter, parseLogFilter } from './log-filter';
import { findMetric, logMetricOf } from './metric-registry';

const lines: string[] = [];
const log = createMetricEventLog({ write: (l) => lines.push(l), now: () => new Date('2026-01-01T00:00:00Z') });

describe('the Cloud Logging filter subset', () => {
  it('matches the line the metric event log writes, and extracts its labels and value', () => {
    log({ name: 'webhooks_received', labels: { type: 'payment.succeeded', outcome: 'bad_signature' }, value: 1 });
    const entry = logEntryOf(lines.at(-1)!)!;
    const metric = logMetricOf(findMetric('webhooks_received')!);
    expect(matchesLogFilter(metric.filter, entry)).toBe(true);
    expect(extractFromLog(metric.labelExtractors.outcome!, entry)).toBe('bad_signature');
    expect(entry.jsonPayload.time).toBeUndefined();
    expect(entry.severity).toBe('INFO');
  });

  it('extracts the value of a distribution', () => {
    log({ name: 'review_duration_seconds', labels: { ministry: 'M-001' }, value: 3600 });
    const metric = logMetricOf(findMetric('review_duration_seconds')!);
    expect(extractFromLog(metric.valueExtractor!, logEntryOf(lines.at(-1)!)!)).toBe('3600');
  });

  it('does not match another metric, an ordinary log line or a non-JSON line', () => {
    const filter = logMetricOf(findMetric('payments')!).filter;
    expect(matchesLogFilter(filter, logEntryOf(lines[0]!)!)).toBe(false);
    expect(matchesLogFilter(filter, logEntryOf(JSON.stringify({ severity: 'INFO', message: 'payment applied', metric: { name: 'payments' } }))!)).toBe(false);
    expect(logEntryOf('not json')).toBeUndefined();
  });

  it('refuses filters and extractors outside the subset', () => {
    expect(() => parseLogFilter('jsonPayload.a="x" OR jsonPayload.b="y"')).toThrow(/outside the subset/);
    expect(() => parseLogFilter('resource.type="cloud_run_revision"')).toThrow(/outside the subset/);
    expect(() => extractFromLog('REGEXP_EXTRACT(jsonPayload.a, "(.*)")', { jsonPayload: {} })).toThrow(/outside the subset/);
  });
});
