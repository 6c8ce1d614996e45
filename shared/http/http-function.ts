/**
 * Turns a table of bound routes into one HTTP Cloud Function: match, validate, call, map errors
 * to problem+json, CORS, and check responses against their schemas outside production.
 */
import type { Request, Response } from '@google-cloud/functions-framework';
import { isDataException, isDatabaseUnavailable } from '../adapters/db/database';
import { getConfig, type Config } from '../config/config';
import type { InstanceMetrics } from '../metrics/instance-metrics';
import { UNMATCHED_ROUTE } from '../metrics/instrumentation';
import { AppError } from '../errors/app-error';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem';
import { extractTrace } from '../logging/trace';
import type { Principal } from '../domain/identity/principal';
import type { RateLimiter } from '../ports/rate-limiter.port';
import type { Clock } from '../ports/clock.port';
import type { Database } from '../ports/database.port';
import type { Logger } from '../ports/logger.port';
import { compilePath, type PathMatcher } from './path-matcher';
import { createIdempotencyStore, parseIdempotencyKey } from './idempotency';
import type { BoundRoute, ErasedResult, RequestContext } from './request-context';
import type { ResponseSpec, RouteInput } from './route';
import { parseInput } from './validation';
import { guardFrameworkExpress } from './framework-express';
import { DEFAULT_MAX_BODY_BYTES, registerBodyLimits } from './body-limits';

/** What the pipeline reads of the instance: its configuration, logger, database (idempotency), clock and metrics. */
export interface PipelineRuntime {
  config: Pick<Config, 'corsOrigins' | 'trustedProxyHops' | 'rateLimitPublicPerMinute' | 'responseValidation'>;
  logger: Logger;
  db: Database;
  clock: Clock;
  metrics(): Pick<InstanceMetrics, 'recordHttpRequest'>;
}

/** The instance's dependencies, resolved on each request (shared/runtime/pipeline.ts gives every function the same). */
export interface PipelineDependencies {
  runtime: () => PipelineRuntime;
  authenticate: () => (token: string) => Promise<Principal>;
  limiter: () => RateLimiter;
}

export interface HttpFunctionOptions extends PipelineDependencies {
  routes: BoundRoute[];
  /** Largest accepted request body, in bytes, of routes that name none (refused before it is read). */
  maxBodyBytes?: number;
}

interface CompiledRoute extends BoundRoute {
  matcher: PathMatcher;
}

export type HttpFunction = (req: Request, res: Response) => Promise<void>;

const METHODS_WITH_BODY = new Set(['post', 'put', 'patch']);

function sendProblem(res: Response, error: unknown, ctx: { logger: RequestContext['logger']; instance: string }) {
  if (isDataException(error)) {
    // SQLSTATE class 22: a value PostgreSQL cannot store (U+0000, a lone surrogate, a date out of range).
    error = new AppError(
      'validation_failed',
      'The request contains a value that cannot be stored: a U+0000 character, a lone surrogate, or a number or date out of range.',
    );
  } else if (isDatabaseUnavailable(error)) {
    ctx.logger.error('database unavailable', { err: error });
    error = new AppError('service_unavailable', 'The database is unavailable right now; retry shortly.', undefined, { retryAfterSeconds: 5 });
  }
  const { problem, headers, unexpected } = toProblem(error, ctx.instance);
  if (unexpected) ctx.logger.error('unhandled error', { err: error });
  else if (problem.status >= 500) ctx.logger.warning(problem.detail, { code: problem.code });
  if (res.headersSent) return;
  res.locals.problemCode = problem.code;
  res.status(problem.status).set(headers).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

/**
 * On every answer: no MIME sniffing, no framing (the docs page included), no referrer leaving the
 * API, and HSTS when the client came over https (the front end terminates TLS and says so in
 * X-Forwarded-Proto, which the framework's Express trusts). A page with stricter needs sets its own CSP.
 * Nothing is stored by browsers or Hosting's CDN unless its route says so (catalog pages revalidate
 * with their ETag, signing keys are public for 5 minutes): answers carry personal data by default.
 */
function applySecurityHeaders(req: Request, res: Response): void {
  res.set('Cache-Control', 'no-store');
  res.set('X-Content-Type-Options', 'nosniff');
  res.set('Content-Security-Policy', "frame-ancestors 'none'");
  res.set('X-Frame-Options', 'DENY');
  res.set('Referrer-Policy', 'no-referrer');
  if (req.protocol === 'https') res.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
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

/**
 * The client's address as the platform defines it: each of the `trustedHops` proxies in front of the
 * server appends one X-Forwarded-For entry, so the client's is the `trustedHops`-th from the end;
 * anything before it was sent by the client and is never trusted. With no proxy (0, `npm start`) the
 * header is ignored and the socket's address is the client's. A header shorter than the hops (a
 * request that bypassed a proxy) gives its first entry.
 */
export function clientIp(req: Request, trustedHops: number): string {
  const socket = req.socket.remoteAddress ?? 'unknown';
  if (trustedHops <= 0) return socket;
  const forwarded = req.headers['x-forwarded-for'];
  const list = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return list[Math.max(0, list.length - trustedHops)] ?? socket;
}

async function authorise(
  req: Request,
  roles: Exclude<BoundRoute['definition']['roles'], 'public'>,
  authenticate: (token: string) => Promise<Principal>,
): Promise<Principal> {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!match) {
    throw new AppError(
      'unauthenticated',
      'This route needs an access token: send "Authorization: Bearer <accessToken>" (POST /api/v1/auth/login gives one).',
      undefined,
      { bearerChallenge: {} },
    );
  }
  const principal = await authenticate(match[1]!);
  if (!roles.includes(principal.role)) {
    throw new AppError('forbidden', `This route is for ${roles.join(', ')}; your role is ${principal.role}.`);
  }
  return principal;
}

export function createHttpFunction(options: HttpFunctionOptions): HttpFunction {
  // Parsed when the function loads, so a bad configuration stops the revision from starting
  // (and the deploy with it) rather than failing its first request.
  getConfig();
  guardFrameworkExpress();
  const routes: CompiledRoute[] = options.routes.map((r) => ({ ...r, matcher: compilePath(r.definition.path) }));
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  // Checked before the framework's parsers read a byte (body-limits.ts); parseRequest checks again after.
  registerBodyLimits((method, path) => {
    const route = routes.find((r) => r.definition.method === method && r.matcher.match(path));
    return route ? (route.definition.maxBodyBytes ?? maxBodyBytes) : undefined;
  });
  const { authenticate: authenticator, limiter } = options;

  return async (req, res) => {
    const runtime = options.runtime();
    const started = process.hrtime.bigint();
    let matched: CompiledRoute | undefined;
    res.once('finish', () => {
      runtime.metrics().recordHttpRequest({
        group: matched?.definition.tags[0] ?? UNMATCHED_ROUTE,
        route: matched?.definition.path ?? UNMATCHED_ROUTE,
        method: req.method,
        status: res.statusCode,
        durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        ...(res.statusCode >= 400 && res.locals.problemCode ? { errorCode: String(res.locals.problemCode) } : {}),
      });
    });
    const trace = extractTrace(req.headers);
    const logger = runtime.logger.withTrace(trace);
    const instance = req.path;
    try {
      applySecurityHeaders(req, res);
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
            allowedMethods: [...allowed],
          });
        }
        throw new AppError('route_not_found', `No route matches ${req.method} ${req.path}. The API is described at /api/v1/openapi.json.`);
      }

      matched = found.route;
      const { definition, handler } = found.route;
      const ip = clientIp(req, runtime.config.trustedProxyHops);
      let principal: Principal | undefined;
      if (definition.roles === 'public' && definition.rateLimit !== false) {
        const limit = await limiter().hit({ name: 'public-ip', max: runtime.config.rateLimitPublicPerMinute, windowSeconds: 60 }, ip);
        if (limit.limited) {
          throw new AppError('rate_limited', `Too many requests from this address; try again in ${limit.retryAfterSeconds} s.`, undefined, {
            retryAfterSeconds: limit.retryAfterSeconds,
          });
        }
      } else if (definition.roles !== 'public') {
        principal = await authorise(req, definition.roles, authenticator());
      }
      const input = parseRequest(req, definition, found.params, definition.maxBodyBytes ?? maxBodyBytes);
      const idempotencyKey = definition.idempotency ? parseIdempotencyKey(req.headers['idempotency-key'], definition.idempotency === 'required') : undefined;
      const ctx: RequestContext = { logger, trace, origin: `${req.protocol}://${req.get('host') ?? 'localhost'}`, ip, principal, idempotencyKey };
      const result =
        idempotencyKey && principal
          ? await runIdempotently(runtime, principal.userId, definition.operationId, idempotencyKey, input.body, () => handler(input, ctx))
          : await handler(input, ctx);

      const spec = definition.responses[result.status];
      if (!spec) throw new Error(`${definition.operationId} answered ${result.status}, which its route does not declare`);
      if (result.headers) res.set(result.headers);
      if (result.raw !== undefined) {
        // A JSON answer rendered ahead of time is held to its schema like any other.
        if (spec.schema && runtime.config.responseValidation) checkResponse(definition.operationId, spec.schema, JSON.parse(result.raw.toString()));
        res
          .status(result.status)
          .type(result.contentType ?? 'text/plain')
          .send(result.raw);
        return;
      }
      if (!spec.schema) {
        res.status(result.status).end();
        return;
      }
      if (runtime.config.responseValidation) checkResponse(definition.operationId, spec.schema, result.body);
      res.status(result.status).type('application/json').send(JSON.stringify(result.body));
    } catch (error) {
      sendProblem(res, error, { logger, instance });
    }
  };
}

function checkResponse(operationId: string, schema: NonNullable<ResponseSpec['schema']>, body: unknown): void {
  const check = schema.safeParse(body);
  if (!check.success) throw new Error(`${operationId} response does not match its schema: ${JSON.stringify(check.error.issues.slice(0, 5))}`);
}

async function runIdempotently(
  runtime: PipelineRuntime,
  principalId: string,
  operation: string,
  key: string,
  body: unknown,
  run: () => Promise<ErasedResult>,
): Promise<ErasedResult> {
  const store = createIdempotencyStore({ db: runtime.db, clock: runtime.clock });
  const begun = await store.begin(principalId, operation, key, body);
  if (begun.kind === 'replay') return { status: begun.status, body: begun.body, headers: { 'Idempotent-Replayed': 'true' } };
  try {
    const result = await run();
    await store.complete(principalId, operation, key, result.status, result.body ?? null);
    return result;
  } catch (err) {
    await store.abandon(principalId, operation, key).catch(() => undefined);
    throw err;
  }
}

function parseRequest(
  req: Request,
  definition: BoundRoute['definition'],
  params: Record<string, string>,
  maxBodyBytes: number,
): RouteInput<BoundRoute['definition']> {
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
