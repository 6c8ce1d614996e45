/**
 * The functions framework parses bodies before a function runs, and on a malformed body Express
 * answers with its own HTML error page. Every HTTP answer of this API is problem+json, so the
 * framework's Express gets this final handler (framework-express.ts installs it), which says what
 * was wrong in that format.
 */
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem';
import { AppError, type ErrorCode } from '../errors/app-error';

interface BodyParserError {
  type?: string;
  status?: number;
  message?: string;
}

const BODY_ERRORS: Record<string, [ErrorCode, string]> = {
  'entity.parse.failed': ['malformed_json', 'The request body is not valid JSON; check quotes, commas and brackets.'],
  'entity.too.large': ['payload_too_large', 'The request body is larger than accepted.'],
  'encoding.unsupported': ['unsupported_media_type', 'The request body uses an unsupported Content-Encoding.'],
  'charset.unsupported': ['unsupported_media_type', 'The request body uses an unsupported charset; send UTF-8.'],
  'request.aborted': ['validation_failed', 'The request body was cut off before it was complete.'],
  'request.size.invalid': ['validation_failed', 'The request body is shorter or longer than its Content-Length.'],
};

export function bodyErrorToAppError(err: unknown): AppError | unknown {
  const e = err as BodyParserError | undefined;
  const known = e?.type ? BODY_ERRORS[e.type] : undefined;
  if (known) return new AppError(known[0], known[1]);
  if (e?.status === 400 && e.message?.startsWith('Failed to decode param')) {
    return new AppError('validation_failed', 'The path is not valid percent-encoding.', [{ path: 'params', message: 'not valid percent-encoding' }]);
  }
  if (e?.status && e.status >= 400 && e.status < 500) return new AppError('validation_failed', 'The request could not be read.');
  return err;
}

export interface ExpressLikeResponse {
  headersSent: boolean;
  statusCode: number;
  setHeader(name: string, value: string): void;
  end(body: string): void;
  req?: { path?: string; url?: string };
}

/** The final answer of the framework's Express when no route answered or a body parser failed: problem+json. */
export function sendFinal(res: ExpressLikeResponse, err: unknown, req: unknown) {
  if (res.headersSent) return;
  const path = (req as { path?: string; url?: string }).path ?? (req as { url?: string }).url ?? '';
  const error = err === undefined ? new AppError('route_not_found', `No route matches ${path}.`) : bodyErrorToAppError(err);
  const { problem } = toProblem(error, path);
  if (problem.status >= 500) {
    process.stderr.write(JSON.stringify({ severity: 'ERROR', message: 'unhandled framework error', stack_trace: (err as Error)?.stack }) + '\n');
  }
  res.statusCode = problem.status;
  res.setHeader('Content-Type', PROBLEM_CONTENT_TYPE);
  res.end(JSON.stringify(problem));
}
