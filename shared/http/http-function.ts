/**
 * Turns a table of bound routes into one HTTP Cloud Function: match, validate, call, map errors
 * to problem+json, CORS, and check responses against their schemas outside production.
 */
import type { Request, Response } from '@google-cloud/functions-framework';
import { isDatabaseUnavailable } from '../adapters/db/database';
import { AppError } from '../errors/app-error';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../errors/problem';
import { extractTrace } from '../logging/trace';
import type { Runtime } from '../runtime/runtime';
import { compilePath, type PathMatcher } from './path-matcher';
import type { BoundRoute, RequestContext } from './request-context';
import type { RouteInput } from './route';
import { parseInput } from './validation';
import './express-final-handler';

export interface HttpFunctionOptions {
  routes: BoundRoute[];
  runtime: () => Runtime;
  /** Largest accepted request body, in bytes. */
  maxBodyBytes?: number;
}

interface CompiledRoute extends BoundRoute {
  matcher: PathMatcher;
}

export type HttpFunction = (req: Request, res: Response) => Promise<void>;

const METHODS_WITH_BODY = new Set(['post', 'put', 'patch']);

function sendProblem(res: Response, error: unknown, ctx: { logger: RequestContext['logger']; instance: string }) {
  if (isDatabaseUnavailable(error)) {
    ctx.logger.error('database unavailable', { err: error });
    error = new AppError('service_unavailable', 'The database is unavailable right now; retry shortly.', undefined, { 'Retry-After': '5' });
  }
  const { problem, headers, unexpected } = toProblem(error, ctx.instance);
  if (unexpected) ctx.logger.error('unhandled error', { err: error });
  else if (problem.status >= 500) ctx.logger.warning(problem.detail, { code: problem.code });
  if (res.headersSent) return;
  res.status(problem.status).set(headers).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

function applyCors(req: Request, res: Response, allowed: string[]): void {
  const origin = req.headers.origin;
  if (!origin) return;
  res.vary('Origin');
  if (allowed.includes(origin) || allowed.includes('*')) {
    res.set('Access-Control-Allow-Origin', origin);
    res.set('Access-Control-Expose-Headers', 'Retry-After, Location');
  }
}

export function createHttpFunction(options: HttpFunctionOptions): HttpFunction {
  const routes: CompiledRoute[] = options.routes.map((r) => ({ ...r, matcher: compilePath(r.definition.path) }));
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;

  return async (req, res) => {
    const runtime = options.runtime();
    const trace = extractTrace(req.headers);
    const logger = runtime.logger.withTrace(trace);
    const instance = req.path;
    try {
      applyCors(req, res, runtime.config.corsOrigins);
      const method = req.method.toLowerCase();

      let found: { route: CompiledRoute; params: Record<string, string> } | undefined;
      const allowed = new Set<string>();
      for (const route of routes) {
        const params = route.matcher.match(req.path);
        if (!params) continue;
        allowed.add(route.definition.method.toUpperCase());
        if (route.definition.method === method || (method === 'head' && route.definition.method === 'get')) {
          found = { route, params };
          break;
        }
      }

      if (method === 'options' && allowed.size > 0) {
        res.set('Allow', [...allowed, 'OPTIONS'].join(', '));
        if (res.getHeader('Access-Control-Allow-Origin')) {
          res.set('Access-Control-Allow-Methods', [...allowed].join(', '));
          res.set('Access-Control-Allow-Headers', 'Authorization, Content-Type, Idempotency-Key');
          res.set('Access-Control-Max-Age', '600');
        }
        res.status(204).end();
        return;
      }
      if (!found) {
        if (allowed.size > 0) {
          throw new AppError('method_not_allowed', `${req.method} is not allowed on ${req.path}; allowed: ${[...allowed].join(', ')}`, undefined, {
            Allow: [...allowed].join(', '),
          });
        }
        throw new AppError('route_not_found', `No route matches ${req.method} ${req.path}. The API is described at /api/v1/openapi.json.`);
      }

      const { definition, handler } = found.route;
      if (definition.roles !== 'public') {
        throw new AppError('unauthenticated', 'This route needs a bearer access token.');
      }
      const input = parseRequest(req, definition, found.params, maxBodyBytes);
      const ctx: RequestContext = { logger, trace, origin: `${req.protocol}://${req.get('host') ?? 'localhost'}` };
      const result = await handler(input, ctx);

      const spec = definition.responses[result.status];
      if (!spec) throw new Error(`${definition.operationId} answered ${result.status}, which its route does not declare`);
      if (result.headers) res.set(result.headers);
      if (result.raw !== undefined) {
        res.status(result.status).type(result.contentType ?? 'text/plain').send(result.raw);
        return;
      }
      if (runtime.config.responseValidation && spec.schema) {
        const check = spec.schema.safeParse(result.body);
        if (!check.success) {
          throw new Error(`${definition.operationId} response does not match its schema: ${JSON.stringify(check.error.issues.slice(0, 5))}`);
        }
      }
      res.status(result.status).type('application/json').send(JSON.stringify(result.body));
    } catch (error) {
      sendProblem(res, error, { logger, instance });
    }
  };
}

function parseRequest(req: Request, definition: BoundRoute['definition'], params: Record<string, string>, maxBodyBytes: number): RouteInput<BoundRoute['definition']> {
  let body: unknown = undefined;
  if (METHODS_WITH_BODY.has(definition.method) && definition.body) {
    const size = req.rawBody?.length ?? 0;
    if (size > maxBodyBytes) throw new AppError('payload_too_large', `The request body is ${size} bytes; at most ${maxBodyBytes} are accepted.`);
    if (size > 0 && !req.is('application/json')) {
      throw new AppError('unsupported_media_type', `Expected Content-Type application/json, got ${req.get('content-type') ?? 'none'}.`);
    }
    body = size > 0 ? req.body : undefined;
  }
  return {
    params: definition.params ? parseInput('params', definition.params, params) : undefined,
    query: definition.query ? parseInput('query', definition.query, req.query) : undefined,
    body: definition.body ? parseInput('body', definition.body, body) : undefined,
    headers: req.headers,
    ...(req.rawBody ? { rawBody: req.rawBody } : {}),
  };
}
