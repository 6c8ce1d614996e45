import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import { z } from 'zod';
import { createMemoryCache } from '../adapters/cache/memory-cache';
import { createCacheRateLimiter } from '../adapters/rate-limit/cache-rate-limiter';
import { InvalidTokenError } from '../domain/identity/access-tokens';
import type { Database } from '../ports/database.port';
import { parseConfig } from '../config/config';
import { AppError } from '../errors/app-error';
import { createLogger } from '../logging/logger';
import { createFixedClock } from '../ports/clock.port';
import { createRuntime } from '../runtime/runtime';
import { createHttpFunction } from './http-function';
import { bindRoute } from './request-context';
import { defineRoute } from './route';

const lines: string[] = [];
const clock = createFixedClock();
const runtime = createRuntime(parseConfig({ ENVIRONMENT: 'test' }), {
  db: {} as Database,
  clock,
  cache: createMemoryCache({ clock }),
  logger: createLogger({ level: 'debug', write: (l) => lines.push(l) }),
});

const Thing = z.object({ name: z.string().min(1, 'expected a non-empty name'), amount: z.number().int('expected whole XAF') });
const createThing = defineRoute({
  operationId: 'createThing',
  method: 'post',
  path: '/things',
  summary: 'create',
  tags: ['test'],
  roles: 'public',
  body: z.strictObject(Thing.shape),
  responses: { 201: { description: 'created', schema: Thing } },
});
const boom = defineRoute({
  operationId: 'boom',
  method: 'get',
  path: '/boom',
  summary: 'throws',
  tags: ['test'],
  roles: 'public',
  responses: { 200: { description: 'never', schema: z.object({}) } },
});
const wrongShape = defineRoute({
  operationId: 'wrongShape',
  method: 'get',
  path: '/wrong',
  summary: 'bad',
  tags: ['test'],
  roles: 'public',
  responses: { 200: { description: 'x', schema: z.object({ n: z.number() }) } },
});
const conflict = defineRoute({
  operationId: 'conflict',
  method: 'get',
  path: '/things/{id}',
  summary: 'conflict',
  tags: ['test'],
  roles: 'public',
  params: z.object({ id: z.string() }),
  responses: { 200: { description: 'x', schema: z.object({}) } },
});
const secured = defineRoute({
  operationId: 'secured',
  method: 'get',
  path: '/admin-only',
  summary: 'admin',
  tags: ['test'],
  roles: ['admin'],
  responses: { 200: { description: 'x', schema: z.object({}) } },
});

http(
  'http-function-test',
  createHttpFunction({
    runtime: () => runtime,
    maxBodyBytes: 200,
    limiter: () => createCacheRateLimiter({ cache: runtime.cache, clock, logger: runtime.logger }),
    authenticate: () => async () => {
      throw new InvalidTokenError('no accounts in this test');
    },
    routes: [
      bindRoute(createThing, async ({ body }) => ({ status: 201, body })),
      bindRoute(boom, async () => {
        throw new Error('secret internal detail');
      }),
      bindRoute(wrongShape, async () => ({ status: 200, body: { n: 'not a number' as unknown as number } })),
      bindRoute(conflict, async ({ params }) => {
        throw new AppError('quote_expired', `thing ${params.id} is in the wrong state`, undefined, { retryAfterSeconds: 7 });
      }),
      bindRoute(secured, async () => ({ status: 200, body: {} })),
    ],
  }),
);
const server = getTestServer('http-function-test');

describe('createHttpFunction', () => {
  beforeEach(() => (lines.length = 0));

  it('validates and passes a JSON body', async () => {
    await request(server).post('/things').send({ name: 'a', amount: 5 }).expect(201, { name: 'a', amount: 5 });
  });

  it('names every invalid body field', async () => {
    const res = await request(server).post('/things').send({ name: '', amount: 1.5, extra: true }).expect(400);
    expect(res.body.errors).toEqual([
      { path: 'body.name', message: 'expected a non-empty name' },
      { path: 'body.amount', message: 'expected whole XAF' },
      { path: 'body.extra', message: 'unknown field' },
    ]);
  });

  it('refuses a missing body, a non-JSON body and an oversized body', async () => {
    const missing = await request(server).post('/things').expect(400);
    expect(missing.body.errors[0].path).toBe('body');
    const text = await request(server).post('/things').set('Content-Type', 'text/plain').send('name=a').expect(415);
    expect(text.body.code).toBe('unsupported_media_type');
    const big = await request(server)
      .post('/things')
      .send({ name: 'x'.repeat(300), amount: 1 })
      .expect(413);
    expect(big.body.code).toBe('payload_too_large');
  });

  it('answers an unexpected error with a generic 500 and logs its stack', async () => {
    const res = await request(server).get('/boom').expect(500);
    expect(res.body).toMatchObject({ code: 'internal_error', status: 500 });
    expect(JSON.stringify(res.body)).not.toContain('secret internal detail');
    expect(lines.some((l) => l.includes('"severity":"ERROR"') && l.includes('secret internal detail') && l.includes('stack_trace'))).toBe(true);
  });

  it('catches a response that does not match its schema', async () => {
    await request(server).get('/wrong').expect(500);
    expect(lines.some((l) => l.includes('wrongShape response does not match its schema'))).toBe(true);
  });

  it('maps domain errors to their status and code', async () => {
    const res = await request(server).get('/things/42').expect(409).expect('Retry-After', '7');
    expect(res.body).toMatchObject({
      code: 'quote_expired',
      detail: 'thing 42 is in the wrong state',
      instance: '/things/42',
      type: 'https://taxasge.gq/problems/quote-expired',
    });
  });

  it('refuses a bad percent-encoding in a path parameter', async () => {
    const res = await request(server)
      .get('/things/%E0%A4%A')
      .expect(400)
      .expect('Content-Type', /problem\+json/);
    expect(res.body).toMatchObject({ code: 'validation_failed', errors: [{ path: 'params', message: 'not valid percent-encoding' }] });
  });

  it('refuses a route with roles until the caller is authenticated', async () => {
    const res = await request(server).get('/admin-only').expect(401);
    expect(res.body.code).toBe('unauthenticated');
  });

  it('puts the trace id of the request on its log lines', async () => {
    await request(server).get('/boom').set('X-Cloud-Trace-Context', '105445aa7843bc8bf206b12000100000/1;o=1').expect(500);
    expect(lines.some((l) => l.includes('"logging.googleapis.com/trace":"105445aa7843bc8bf206b12000100000"'))).toBe(true);
  });
});
