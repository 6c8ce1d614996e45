/** Structured logging as the domain sees it: leveled lines with fields, children and a trace; shared/logging writes them. */

export const LOG_LEVELS = ['debug', 'info', 'warning', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface TraceContext {
  traceId: string;
  spanId?: string;
  sampled?: boolean;
}

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warning(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields & { err?: unknown }): void;
  child(fields: LogFields): Logger;
  withTrace(trace: TraceContext | undefined): Logger;
}
