/**
 * Access found open by the attack run (issue 14): login limits overtaken by parallel guesses, per-address
 * limits escaped with a forged X-Forwarded-For, registrations that reveal which addresses have an
 * account without bound, and admins able to lock every admin out.
 */
import request from 'supertest';
import { anAccount, FIXTURE_PASSWORD } from './support/auth-fixtures';
import { createTestApp, type TestApp } from './support/test-app';

let app: TestApp;

beforeAll(async () => {
  app = await createTestApp({ env: { RATE_LIMIT_PUBLIC_PER_MINUTE: '100000' } });
});
afterAll(() => app.close());

const login = (server: TestApp['server'], email: string, password: string, forwardedFor?: string) => {
  const req = request(server).post('/api/v1/auth/login');
  return (forwardedFor ? req.set('X-Forwarded-For', forwardedFor) : req).send({ email, password });
};

const statuses = (answers: { status: number }[]) => answers.reduce<Record<number, number>>((n, a) => ({ ...n, [a.status]: (n[a.status] ?? 0) + 1 }), {});

describe('login attempts counted before the password is checked', () => {
  it('answers at most 5 of 50 parallel wrong passwords with 401, the rest 429, and then refuses the right one', async () => {
    app.clock.advance(61_000);
    const account = await anAccount().create(app);
    const answers = await Promise.all(Array.from({ length: 50 }, () => login(app.server, account.email, 'wrong-password-1')));
    const counted = statuses(answers);
    expect(Object.keys(counted).sort()).toEqual(['401', '429']);
    expect(counted[401]).toBeLessThanOrEqual(5);
    expect(counted[401]! + counted[429]!).toBe(50);
    const limited = await login(app.server, account.email, FIXTURE_PASSWORD).expect(429);
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
  });

  it('lets no right password in past the limit when it races 49 wrong ones', async () => {
    app.clock.advance(61_000);
    const account = await anAccount().create(app);
    const attempts = [...Array.from({ length: 49 }, () => 'wrong-password-1'), FIXTURE_PASSWORD];
    const answers = await Promise.all(attempts.map((password) => login(app.server, account.email, password)));
    // Only 5 attempts are checked at all: whichever got in first, never more than 5 answers other than 429.
    expect(answers.filter((a) => a.status !== 429).length).toBeLessThanOrEqual(5);
  });
});

describe('registrations counted per client address', () => {
  const register = (email: string) =>
    request(app.server).post('/api/v1/auth/register').send({ email, password: FIXTURE_PASSWORD, fullName: 'Ana Nsue', accountType: 'citizen' });

  it('reveals at most 20 existing accounts an hour to one address, however many probes run at once', async () => {
    app.clock.advance(3_601_000);
    const existing = await Promise.all(Array.from({ length: 30 }, () => anAccount().create(app)));
    const answers = statuses(await Promise.all(existing.map((a) => register(a.email))));
    expect(answers[409]).toBeLessThanOrEqual(20);
    expect(answers[409]! + answers[429]!).toBe(30);
    // Past the limit, a new address answers 429 as a known one does: nothing tells them apart.
    const fresh = await register(`nueva-${app.runtime.ids.uuid()}@example.gq`).expect(429);
    expect(fresh.body).toMatchObject({ code: 'rate_limited', detail: expect.stringContaining('registrations from this address') });
    expect(fresh.headers['retry-after']).toMatch(/^\d+$/);
    app.clock.advance(3_601_000);
    await register(`nueva-${app.runtime.ids.uuid()}@example.gq`).expect(201);
  });
});

describe('admins cannot lock the admins out', () => {
  const patch = (who: { accessToken: string }, id: string, body: object) =>
    request(app.server).patch(`/api/v1/admin/users/${id}`).set('Authorization', `Bearer ${who.accessToken}`).send(body);

  it('refuses an admin demoting or suspending themselves, and keeps one admin when two demote each other at once', async () => {
    const a = await anAccount().withRole('admin').create(app);
    const b = await anAccount().withRole('admin').create(app);
    // Only these two are admins of this database.
    await app.database.db.query("UPDATE users SET status = 'suspended' WHERE role = 'admin' AND id <> ALL($1::uuid[])", [[a.id, b.id]]);

    const self = await patch(a, a.id, { role: 'citizen' }).expect(409);
    expect(self.body.code).toBe('admin_self_change');
    await patch(a, a.id, { status: 'suspended' }).expect(409);

    const answers = await Promise.all([patch(a, b.id, { role: 'citizen' }), patch(b, a.id, { status: 'suspended' })]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, expect.any(Number)]);
    const { rows } = await app.database.db.query<{ n: number }>("SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND status = 'active'");
    expect(rows[0]!.n).toBe(1);
  });
});

// Last: each case builds an app of its own, which replaces the shared one's runtime.
describe('the client address behind the proxies', () => {
  it('ignores X-Forwarded-For where nothing is in front (npm start): a forged header escapes no limit', async () => {
    const direct = await createTestApp({ env: { RATE_LIMIT_PUBLIC_PER_MINUTE: '3' } });
    try {
      for (let i = 0; i < 3; i++) await request(direct.server).get('/health/live').set('X-Forwarded-For', `198.51.100.${i}`).expect(200);
      await request(direct.server).get('/health/live').set('X-Forwarded-For', '198.51.100.77').expect(429);
    } finally {
      await direct.close();
    }
  });

  it('takes the entry Hosting appended (2 hops: Hosting, then Cloud Run): forged entries before it change nothing, and the audit log records the real one', async () => {
    const deployed = await createTestApp({ env: { RATE_LIMIT_PUBLIC_PER_MINUTE: '3', TRUSTED_PROXY_HOPS: '2' } });
    const hosting = '35.191.0.1';
    try {
      for (let i = 0; i < 3; i++) await request(deployed.server).get('/health/live').set('X-Forwarded-For', `10.${i}.0.1, 203.0.113.7, ${hosting}`).expect(200);
      await request(deployed.server).get('/health/live').set('X-Forwarded-For', `192.0.2.99, 203.0.113.7, ${hosting}`).expect(429);
      await request(deployed.server).get('/health/live').set('X-Forwarded-For', `203.0.113.7, 203.0.113.8, ${hosting}`).expect(200);

      const account = await anAccount().create(deployed);
      await login(deployed.server, account.email, 'wrong-password-1', `6.6.6.6, 203.0.113.9, ${hosting}`).expect(401);
      const { rows } = await deployed.database.db.query<{ ip: string }>("SELECT ip FROM audit_log WHERE action = 'login.failure' AND actor_email = $1", [
        account.email,
      ]);
      expect(rows).toEqual([{ ip: '203.0.113.9' }]);
    } finally {
      await deployed.close();
    }
  });
});
