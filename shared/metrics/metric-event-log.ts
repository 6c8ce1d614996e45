/**
 * Writes one Cloud Logging JSON line per event of a log-based metric. The line is the contract the
 * log-based metrics in Terraform count: filter `jsonPayload.metric.name="<name>"`, labels
 * `EXTRACT(jsonPayload.metric.labels.<label>)`, distributions `EXTRACT(jsonPayload.metric.value)`.
 * It bypasses LOG_LEVEL on purpose: a metric must not vanish when an environment logs only warnings.
 */
import type { MetricEvent } from './metric-recorder';

export const METRIC_EVENT_MESSAGE = 'metric';

/**
 * Lines raised by the same run of code (a commit's statuses, transitions and deliveries, one after
 * the other) written to stdout in one system call instead of one each. They are written at the next
 * microtask checkpoint, before any I/O: before the response that follows them, so a platform that
 * throttles the CPU once a request is answered (Cloud Run) never holds them back, and whoever reads
 * the log after the answer finds them. What is still queued when the process exits is written then.
 */
function coalescedStdout(): (line: string) => void {
  let queued: string[] = [];
  const flush = () => {
    if (queued.length === 0) return;
    const text = queued.join('');
    queued = [];
    process.stdout.write(text);
  };
  process.once('exit', flush);
  return (line) => {
    if (queued.length === 0) queueMicrotask(flush);
    queued.push(line + '\n');
  };
}

let stdoutWriter: ((line: string) => void) | undefined;

export function createMetricEventLog(options: { write?: (line: string) => void; now?: () => Date } = {}): (event: MetricEvent) => void {
  const write = options.write ?? (stdoutWriter ??= coalescedStdout());
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
