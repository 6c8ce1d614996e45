/**
 * Writes one Cloud Logging JSON line per event of a log-based metric. The line is the contract the
 * log-based metrics in Terraform count: filter `jsonPayload.metric.name="<name>"`, labels
 * `EXTRACT(jsonPayload.metric.labels.<label>)`, distributions `EXTRACT(jsonPayload.metric.value)`.
 * It bypasses LOG_LEVEL on purpose: a metric must not vanish when an environment logs only warnings.
 */
import type { MetricEvent } from './metric-recorder';

export const METRIC_EVENT_MESSAGE = 'metric';

export function createMetricEventLog(options: { write?: (line: string) => void; now?: () => Date } = {}): (event: MetricEvent) => void {
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const now = options.now ?? (() => new Date());
  return (event) => {
    write(
      JSON.stringify({
        severity: 'INFO',
        message: METRIC_EVENT_MESSAGE,
        time: now().toISOString(),
        metric: { name: event.name, labels: event.labels, value: event.value },
      }),
    );
  };
}

/** The Cloud Logging filter of the log-based metric counting these events. */
export function logMetricFilter(name: string): string {
  return `jsonPayload.message="${METRIC_EVENT_MESSAGE}" AND jsonPayload.metric.name="${name}"`;
}
