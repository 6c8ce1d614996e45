/**
 * Every route of the route table, fed random and hostile bodies, query strings, path parameters and
 * headers, as an anonymous caller and as an allowed role: never a 5xx, every error problem+json.
 */
import fc from 'fast-check';
import request from 'supertest';
import { apiRoutes } from '../../shared/api';
import type { Role, RouteDefinition } from '../../shared/http/route';
import { anAccount, type CreatedAccount } from '../support/auth-fixtures';
import { createTestApp, type TestApp } from '../support/test-app';

let app: TestApp;
const accounts = new Map<Role, CreatedAccount>();

beforeAll(async () => {
  app = await createTestApp({ env: { RATE_LIMIT_PUBLIC_PER_MINUTE: '1000000' } });
  for (const role of ['citizen', 'business', 'agent', 'supervisor', 'finance', 'admin'] as const) {
    accounts.set(role, await anAccount().withRole(role, role === 'agent' || role === 'supervisor' ? ['M-001', 'M-007'] : []).create(app));
  }
}, 60_000);
afterAll(() => app.close());

const INJECTIONS = ["' OR 1=1 --", '"; DROP TABLE users; --', '<script>alert(1)</script>', '../../../../etc/passwd', '%00', '\u0000', '${7*7}', '{{7*7}}', '\uD800', 'T-001\'--', '😀'.repeat(50), 'A'.repeat(5000)];
const hostileString = fc.oneof(fc.constantFrom(...INJECTIONS), fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 50 }));
const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostileString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor', 'prototype', 'kind', 'amount')), tie('value'), { maxKeys: 5 }),
  ),
})).value;
const bodyArb = fc.oneof(
  hostileValue.map((v) => ({ json: JSON.stringify(v) ?? 'null' })),
  hostileString.map((raw) => ({ raw })),
  fc.constant({ raw: '{"a":' }),
  fc.constant({ json: JSON.stringify({ __proto__: { admin: true }, constructor: { prototype: { role: 'admin' } } }) }),
);
const queryArb = fc.array(fc.tuple(fc.oneof(fc.constantFrom('limit', 'cursor', 'q', 'lang', 'ministry', 'status', 'date', 'from'), hostileString), hostileString), { maxLength: 4 });
const headerArb = fc.record({
  contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'multipart/form-data; boundary=x', ''),
  idempotencyKey: fc.option(hostileString.filter((s) => /^[\x20-\x7e]*$/.test(s)), { nil: undefined }),
});

function fillPath(route: RouteDefinition, params: string[]): string {
  let i = 0;
  return route.path.replace(/\{\w+\}/g, () => encodeURIComponent(params[i++ % params.length] ?? 'x'));
}

function callers(route: RouteDefinition): (CreatedAccount | undefined)[] {
  if (route.roles === 'public') return [undefined];
  return [undefined, accounts.get(route.roles[0]!)];
}

const cases = apiRoutes.flatMap((route) => callers(route).map((who) => [`${route.method.toUpperCase()} ${route.path} as ${who?.role ?? 'anonymous'}`, route, who] as const));

describe('hostile input', () => {
  it.each(cases)('%s never answers 5xx, and answers errors as problem+json', async (_name, route, who) => {
    await fc.assert(
      fc.asyncProperty(bodyArb, queryArb, headerArb, fc.array(hostileString, { minLength: 1, maxLength: 2 }), async (body, query, headers, params) => {
        const search = new URLSearchParams(query.map(([k, v]) => [k, v])).toString();
        const url = `${fillPath(route, params)}${search ? `?${search}` : ''}`;
        let req = request(app.server)[route.method](url);
        if (who) req = req.set('Authorization', `Bearer ${who.accessToken}`);
        if (headers.contentType) req = req.set('Content-Type', headers.contentType);
        if (headers.idempotencyKey !== undefined) req = req.set('Idempotency-Key', headers.idempotencyKey);
        const res = route.method === 'get' ? await req : await req.send('json' in body ? body.json : body.raw);
        if (res.status >= 500) throw new Error(`${route.method.toUpperCase()} ${url} answered ${res.status}: ${res.text.slice(0, 300)}`);
        if (res.status >= 400) {
          expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
          expect(res.body).toEqual(expect.objectContaining({ code: expect.any(String), detail: expect.any(String), status: res.status }));
        }
      }),
      { numRuns: 12, seed: 20261124 },
    );
  });

  it('refuses a body over 1 MiB with 413 problem+json', async () => {
    const citizen = accounts.get('citizen')!;
    const res = await request(app.server).post('/api/v1/declarations').set('Authorization', `Bearer ${citizen.accessToken}`).set('Content-Type', 'application/json').send(JSON.stringify({ kind: 'tax_return', data: { blob: 'x'.repeat(1_100_000) } }));
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payload_too_large');
  });
});
