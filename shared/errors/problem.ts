/** Maps any thrown value to an RFC 9457 problem+json body; unknown errors never leak their details. */
import { AppError, ERROR_CODES, type ErrorCode, type FieldError } from './app-error';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const PROBLEM_TYPE_BASE = 'https://taxasge.gq/problems/';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  errors?: FieldError[];
}

export function problemType(code: ErrorCode): string {
  return PROBLEM_TYPE_BASE + code.replace(/_/g, '-');
}

export interface MappedProblem {
  problem: Problem;
  headers: Record<string, string>;
  /** True when the error was not an AppError: the caller logs it with its stack. */
  unexpected: boolean;
}

export function toProblem(error: unknown, instance?: string): MappedProblem {
  if (error instanceof AppError) {
    return {
      problem: {
        type: problemType(error.code),
        title: error.title,
        status: error.status,
        detail: error.detail,
        code: error.code,
        ...(instance ? { instance } : {}),
        ...(error.errors?.length ? { errors: error.errors } : {}),
      },
      headers: error.headers ?? {},
      unexpected: false,
    };
  }
  const code: ErrorCode = 'internal_error';
  return {
    problem: {
      type: problemType(code),
      title: ERROR_CODES[code].title,
      status: 500,
      detail: 'The server failed to handle the request; it has been logged. Retry later or report the trace id.',
      code,
      ...(instance ? { instance } : {}),
    },
    headers: {},
    unexpected: true,
  };
}
