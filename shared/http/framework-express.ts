/**
 * The one change made to the functions framework's Express, applied by createHttpFunction (never on
 * import): body limits checked before its parsers read a byte, and a problem+json final handler in
 * place of Express's HTML one. The framework builds its Express app itself and offers no hook, so
 * the application prototype it resolves is wrapped once per process.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { guardBody } from './body-limits';
import { sendFinal, type ExpressLikeResponse } from './express-final-handler';

type Handle = (this: unknown, req: IncomingMessage, res: ServerResponse, callback?: (err?: unknown) => void) => unknown;

export function guardFrameworkExpress(): void {
  // Resolve Express exactly as the functions framework does, so the same instance is wrapped.
  const frameworkEntry = require.resolve('@google-cloud/functions-framework');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved at run time, next to the framework
  const express = require(require.resolve('express', { paths: [frameworkEntry] })) as { application: { handle: Handle; __taxasgeGuarded?: boolean } };
  const app = express.application;
  if (app.__taxasgeGuarded) return;
  const original = app.handle;
  app.handle = function handle(req, res, callback) {
    // Refused by its Content-Length: answered at once, before any parser, and the body is never read.
    if (guardBody(req, res)) return undefined;
    return original.call(this, req, res, callback ?? ((err?: unknown) => sendFinal(res as unknown as ExpressLikeResponse, err, req)));
  };
  app.__taxasgeGuarded = true;
}
