/** Every route × every role, generated from the route table so a new route cannot escape it. */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { apiRoutes } from '../shared/api';
import { ROLES, type Role } from '../shared/domain/identity/roles';
import type { RouteDefinition } from '../shared/http/route';
import { anAccount, type CreatedAccount } from './support/auth-fixtures';
import { createTestApp, type TestApp } from './support/test-app';

let app: TestApp;
const tokens = new Map<Role, CreatedAccount>();

beforeAll(async () => {
  // A generous public limit: this suite sends many requests from one address.
  app = await createTestApp({ env: { RATE_LIMIT_PUBLIC_PER_MINUTE: '100000' } });
  for (const role of ROLES) {
    tokens.set(
      role,
      await anAccount()
        .withRole(role, role === 'agent' || role === 'supervisor' ? ['M-001'] : [])
        .create(app),
    );
  }
});
afterAll(() => app.close());

function samplePath(route: RouteDefinition): string {
  return route.path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'code' ? 'T-001' : randomUUID()));
}

function send(route: RouteDefinition, token?: string) {
  const path = samplePath(route);
  let req = request(app.server)[route.method](path);
  if (token) req = req.set('Authorization', `Bearer ${token}`);
  return route.body ? req.send({}) : req;
}

const guarded = apiRoutes.filter((r) => r.roles !== 'public');
const cases = guarded.flatMap((route) => ROLES.map((role) => [`${route.method.toUpperCase()} ${route.path}`, role, route] as const));

describe('route × role', () => {
  it('covers every guarded route', () => {
    expect(guarded.length).toBeGreaterThan(0);
    expect(cases).toHaveLength(guarded.length * ROLES.length);
  });

  it.each(cases)('%s as %s', async (_name, role, route) => {
    const res = await send(route, tokens.get(role)!.accessToken);
    const allowed = (route.roles as readonly Role[]).includes(role);
    if (allowed) expect([401, 403]).not.toContain(res.status);
    else expect(res.status).toBe(403);
    expect(res.status).toBeLessThan(500);
  });

  it.each(guarded.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const))('%s without a token is 401', async (_name, route) => {
    const res = await send(route);
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  // The bank's webhook is public but authenticated by its signature instead of a token.
  const signed = new Set(['/webhooks/bange']);

  it.each([...signed])('%s without a signature is 401', async (path) => {
    await request(app.server).post(path).set('Content-Type', 'application/json').send('{}').expect(401);
  });

  it.each(apiRoutes.filter((r) => r.roles === 'public' && !signed.has(r.path)).map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const))(
    '%s is open to anyone',
    async (_name, route) => {
      const res = await send(route);
      expect([401, 403]).not.toContain(res.status);
      expect(res.status).toBeLessThan(500);
    },
  );
});
