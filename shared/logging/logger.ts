/** Structured JSON logs in Cloud Logging's format, one line per entry, with secrets redacted. */
import type { LogFields, Logger, LogLevel } from '../ports/logger.port';

const SEVERITY: Record<LogLevel, string> = { debug: 'DEBUG', info: 'INFO', warning: 'WARNING', error: 'ERROR' };
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3 };
const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|api[-_]?key|signature|credential/i;
const REDACTED = '[REDACTED]';

export interface LoggerOptions {
  level: LogLevel;
  gcpProject?: string;
  /** Where lines go; stdout by default (Cloud Run ships stdout to Cloud Logging). */
  write?: (line: string) => void;
  base?: LogFields;
}

function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: LogFields = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? REDACTED : redact(v, depth + 1);
  return out;
}

function describeError(err: unknown): LogFields {
  if (err instanceof Error) {
    // Error Reporting picks up entries whose stack_trace field holds a stack.
    return { stack_trace: err.stack ?? `${err.name}: ${err.message}`, errorName: err.name };
  }
  return { error: String(err) };
}

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const min = RANK[options.level];

  const make = (base: LogFields): Logger => {
    const emit = (level: LogLevel, message: string, fields?: LogFields & { err?: unknown }) => {
      if (RANK[level] < min) return;
      const { err, ...rest } = fields ?? {};
      const entry = {
        severity: SEVERITY[level],
        message,
        time: new Date().toISOString(),
        ...(redact({ ...base, ...rest }) as LogFields),
        ...(err === undefined ? {} : describeError(err)),
      };
      let line: string;
      try {
        line = JSON.stringify(entry);
      } catch {
        line = JSON.stringify({ severity: entry.severity, message, time: entry.time, note: 'fields not serialisable' });
      }
      write(line);
    };
    return {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warning: (m, f) => emit('warning', m, f),
      error: (m, f) => emit('error', m, f),
      child: (fields) => make({ ...base, ...fields }),
      withTrace: (trace) => {
        if (!trace) return make(base);
        const traceName = options.gcpProject ? `projects/${options.gcpProject}/traces/${trace.traceId}` : trace.traceId;
        return make({
          ...base,
          'logging.googleapis.com/trace': traceName,
          ...(trace.spanId ? { 'logging.googleapis.com/spanId': trace.spanId } : {}),
          ...(trace.sampled === undefined ? {} : { 'logging.googleapis.com/trace_sampled': trace.sampled }),
        });
      },
    };
  };
  return make(options.base ?? {});
}
