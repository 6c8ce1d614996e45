/**
 * Request bodies refused before the functions framework buffers them (its parsers accept up to
 * 1 GB): by Content-Length before a byte is read, and by counting the bytes as a body without one
 * streams in. Each HTTP function registers the limit of its routes; the framework's Express
 * instance checks them first, ahead of its body parsers (framework-express.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../errors/app-error';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem';

/** The limit a route accepts when it names none: JSON bodies of this API are a few kilobytes. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** A function's answer for a request: its route's limit, or undefined when no route of it matches. */
export type BodyLimitLookup = (method: string, path: string) => number | undefined;

const lookups = new Set<BodyLimitLookup>();

export function registerBodyLimits(lookup: BodyLimitLookup): void {
  lookups.add(lookup);
}

/** The largest body any function of this process accepts for the request (several share one process locally). */
export function bodyLimitFor(method: string, url: string): number {
  const path = url.split('?')[0] ?? '/';
  let limit: number | undefined;
  for (const lookup of lookups) {
    let found: number | undefined;
    try {
      found = lookup(method.toLowerCase(), path);
    } catch {
      // A path that does not decode (bad percent-encoding) matches no route; the router answers it.
      found = undefined;
    }
    if (found !== undefined) limit = Math.max(limit ?? 0, found);
  }
  return limit ?? DEFAULT_MAX_BODY_BYTES;
}

/** Answers 413 problem+json and closes the connection once the answer is out, reading nothing more. */
function answerTooLarge(req: IncomingMessage, res: ServerResponse, limit: number): void {
  res.once('finish', () => req.socket.destroy());
  if (res.headersSent) return void req.socket.destroy();
  const { problem, headers } = toProblem(
    new AppError('payload_too_large', `The request body is over the ${limit} bytes this route accepts.`),
    (req.url ?? '/').split('?')[0]!,
  );
  res.statusCode = problem.status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Connection', 'close');
  res.setHeader('Content-Type', PROBLEM_CONTENT_TYPE);
  res.end(JSON.stringify(problem));
}

/**
 * Checks the request before anything reads its body: answers 413 and returns true when its
 * Content-Length is over the limit; otherwise watches the stream and answers 413 the moment it passes
 * the limit, leaving the parser waiting on a connection that closes.
 */
export function guardBody(req: IncomingMessage, res: ServerResponse): boolean {
  const limit = bodyLimitFor(req.method ?? 'GET', req.url ?? '/');
  const declared = req.headers['content-length'];
  if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > limit) {
    answerTooLarge(req, res, limit);
    return true;
  }
  let seen = 0;
  const emit = req.emit;
  req.emit = function guardedEmit(this: IncomingMessage, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'data') {
      seen += (args[0] as Buffer).length;
      if (seen > limit) {
        // The parser keeps what it read so far and never finishes; the answer goes now, and the
        // connection with it (the body parsers would otherwise read the whole body off before answering).
        req.emit = emit;
        req.pause();
        answerTooLarge(req, res, limit);
        return true;
      }
    }
    return emit.call(this, event, ...args);
  } as typeof req.emit;
  return false;
}
