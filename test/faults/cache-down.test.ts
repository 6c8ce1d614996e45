/** Fault: the shared cache (Upstash) is unreachable. Requests are still served from the database, and rate limits hold per instance. */
import request from 'supertest';
import type { Cache } from '../../shared/ports/cache.port';
import { anAccount, type CreatedAccount } from '../support/auth-fixtures';
import { createTestApp, type TestApp } from '../support/test-app';
import { bankSucceeded, expectLedgerMatchesBank, statusOf } from './support/money';
import { aPayment, settle } from '../support/payment-fixtures';

const PUBLIC_LIMIT = 40;
let calls = 0;
const unreachable = async (): Promise<never> => {
  calls++;
  throw new Error('Upstash unreachable: fetch failed (ECONNREFUSED)');
};
/** The Upstash adapter as it behaves when its server is gone: every call rejects. */
const downCache: Cache = { kind: 'upstash', get: unreachable, set: unreachable, del: unreachable, incr: unreachable, ping: unreachable, stats: unreachable };

let app: TestApp;
let citizen: CreatedAccount;

beforeAll(async () => {
  app = await createTestApp({ listen: true, cache: downCache, env: { RATE_LIMIT_PUBLIC_PER_MINUTE: String(PUBLIC_LIMIT) } });
  citizen = await anAccount().create(app);
});
afterAll(() => app.close());

const api = () => request(app.server);

it('serves the catalog from the database', async () => {
  const before = calls;
  const list = await api().get('/api/v1/fiscal-services?limit=5').expect(200);
  expect(list.body.items).toHaveLength(5);
  const search = await api().get('/api/v1/fiscal-services?q=legalizacion').expect(200);
  expect(search.body.total).toBeGreaterThan(0);
  await api().get('/api/v1/fiscal-services/T-001').expect(200);
  await api().get('/api/v1/ministries').expect(200);
  expect(calls).toBeGreaterThan(before);
});

it('authenticates tokens against the database and says the cache is the failing dependency', async () => {
  await api().get('/api/v1/auth/me').set('Authorization', `Bearer ${citizen.accessToken}`).expect(200);
  const ready = await api().get('/health/ready');
  expect(ready.body.failing).toEqual(['cache']);
});

it('takes a payment through to its receipt, and the ledger equals what the bank sent', async () => {
  const payment = await aPayment().create(app, citizen);
  await api()
    .post(`/sandbox/bange/checkout/${payment.bangeId}/pay?duplicates=2`)
    .expect((r) => expect(r.status).toBeLessThan(300));
  await settle(app);
  expect(await statusOf(app, payment.payment.id)).toEqual({ payment: 'succeeded', declaration: 'paid', receipts: 1 });
  await expectLedgerMatchesBank(app, bankSucceeded(app));
});

it('still limits failed logins, per instance', async () => {
  const victim = await anAccount().create(app);
  const attempt = () => api().post('/api/v1/auth/login').send({ email: victim.email, password: 'not-the-password-1' });
  for (let i = 0; i < 5; i++) expect((await attempt()).status).toBe(401);
  const limited = await attempt();
  expect(limited.status).toBe(429);
  expect(limited.headers['retry-after']).toMatch(/^\d+$/);
});

it('still limits public requests per address, per instance', async () => {
  const statuses: number[] = [];
  for (let i = 0; i <= PUBLIC_LIMIT; i++) statuses.push((await api().get('/api/v1/ministries')).status);
  const first429 = statuses.indexOf(429);
  expect(first429).toBeGreaterThan(-1);
  expect(statuses.slice(0, first429).every((s) => s === 200)).toBe(true);
  expect(statuses.slice(first429).every((s) => s === 429)).toBe(true);
  const limited = await api().get('/api/v1/ministries').expect(429);
  expect(limited.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(limited.headers['retry-after']).toMatch(/^\d+$/);
});
