/** Extracts the trace context from W3C `traceparent` or Google's `X-Cloud-Trace-Context`. */
import type { TraceContext } from '../ports/logger.port';

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})$/;
const CLOUD_TRACE = /^([\da-f]{32})(?:\/(\d+))?(?:;o=([01]))?$/i;

type HeaderValue = string | string[] | undefined;

function first(value: HeaderValue): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function extractTrace(headers: Record<string, HeaderValue>): TraceContext | undefined {
  const traceparent = first(headers['traceparent'])?.trim().toLowerCase();
  const w3c = traceparent ? TRACEPARENT.exec(traceparent) : null;
  if (w3c && !/^0+$/.test(w3c[1]!)) {
    return { traceId: w3c[1]!, spanId: w3c[2]!, sampled: (parseInt(w3c[3]!, 16) & 1) === 1 };
  }
  const cloud = first(headers['x-cloud-trace-context'])?.trim();
  const gcp = cloud ? CLOUD_TRACE.exec(cloud) : null;
  if (gcp) {
    return {
      traceId: gcp[1]!.toLowerCase(),
      ...(gcp[2] ? { spanId: BigInt(gcp[2]).toString(16).padStart(16, '0') } : {}),
      ...(gcp[3] ? { sampled: gcp[3] === '1' } : {}),
    };
  }
  return undefined;
}
