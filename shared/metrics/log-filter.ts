/**
 * Evaluates the subset of the Cloud Logging query language our log-based metrics use, against the
 * JSON lines the functions write: comparisons `jsonPayload.<path>="<value>"` joined by `AND`, and
 * extractors `EXTRACT(jsonPayload.<path>)`. Anything else is refused, so a filter that leaves the
 * subset fails its test instead of being silently misjudged.
 */

export type LogEntry = { severity?: string; jsonPayload: Record<string, unknown> };

/** Fields Cloud Logging's agent takes out of a JSON line into the LogEntry itself (they are not in jsonPayload). */
const LIFTED = new Set(['severity', 'time', 'timestamp', 'timestampSeconds', 'timestampNanos', 'httpRequest']);

/** The LogEntry Cloud Run makes of one stdout line, or undefined when the line is not a JSON object. */
export function logEntryOf(line: string): LogEntry | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const jsonPayload: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(parsed)) if (!LIFTED.has(k) && !k.startsWith('logging.googleapis.com/')) jsonPayload[k] = v;
  const severity = (parsed as Record<string, unknown>).severity;
  return { ...(typeof severity === 'string' ? { severity } : {}), jsonPayload };
}

const PATH = /^jsonPayload((?:\.[A-Za-z_][A-Za-z0-9_]*)+)$/;

function valueAt(entry: LogEntry, path: string): unknown {
  const m = PATH.exec(path);
  if (!m) throw new Error(`"${path}" is outside the filter subset (jsonPayload.<field>…)`);
  let v: unknown = entry.jsonPayload;
  for (const key of m[1]!.slice(1).split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

interface Comparison {
  path: string;
  value: string;
}

/** Parses `a="x" AND b="y"`; throws on anything outside the subset. */
export function parseLogFilter(filter: string): Comparison[] {
  return filter.split(/\s+AND\s+/).map((term) => {
    const m = /^\s*(jsonPayload(?:\.[A-Za-z_][A-Za-z0-9_]*)+)="((?:[^"\\]|\\.)*)"\s*$/.exec(term);
    if (!m) throw new Error(`filter term "${term}" is outside the subset (jsonPayload.<path>="<value>" joined by AND)`);
    return { path: m[1]!, value: JSON.parse(`"${m[2]!}"`) as string };
  });
}

/** True when the entry matches every comparison (Cloud Logging compares a number or boolean field by its text). */
export function matchesLogFilter(filter: string, entry: LogEntry): boolean {
  return parseLogFilter(filter).every((c) => {
    const v = valueAt(entry, c.path);
    return (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && String(v) === c.value;
  });
}

/** The value an `EXTRACT(jsonPayload.<path>)` extractor takes from an entry, or undefined when the field is absent. */
export function extractFromLog(extractor: string, entry: LogEntry): string | undefined {
  const m = /^EXTRACT\((jsonPayload(?:\.[A-Za-z_][A-Za-z0-9_]*)+)\)$/.exec(extractor);
  if (!m) throw new Error(`extractor "${extractor}" is outside the subset (EXTRACT(jsonPayload.<path>))`);
  const v = valueAt(entry, m[1]!);
  return v === undefined || v === null || typeof v === 'object' ? undefined : String(v);
}
