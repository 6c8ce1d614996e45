import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { createMetricRecorder } from '../metric-recorder';
import { createActivityCollector } from './activity.collector';
import { createDatabaseCollector } from './database.collector';
import { runCollectors } from './metric-collector';
import { recordedSeries } from '../../../test/support/recorded-series';
import type { MetricName } from '../metric-registry';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const NOW = new Date('2026-03-02T09:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3600_000);

async function user(role: string): Promise<string> {
  const id = randomUUID();
  await database.db.query("INSERT INTO users (id, email, password_hash, full_name, role, created_at) VALUES ($1, $2, 'x', 'Test', $3, $4)", [
    id,
    `${id}@test.gq`,
    role,
    NOW,
  ]);
  return id;
}

it("reads live sessions (families with a live refresh token) and each agent's decisions of the last 24 hours", async () => {
  const citizen = await user('citizen');
  const token = (family: string, o: { used?: boolean; revoked?: boolean; expiresInH?: number } = {}) =>
    database.db.query(
      'INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, created_at, expires_at, used_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [randomUUID(), family, citizen, Buffer.from(randomUUID()), hoursAgo(1), hoursAgo(-(o.expiresInH ?? 24)), o.used ? NOW : null, o.revoked ? NOW : null],
    );
  const live = randomUUID();
  await token(live, { used: true });
  await token(live);
  await token(live);
  await token(randomUUID(), { revoked: true });
  await token(randomUUID(), { expiresInH: -1 });

  const [a, b] = [await user('agent'), await user('agent')];
  const declarationId = randomUUID();
  await database.db.query(
    "INSERT INTO declarations (id, reference, kind, status, owner_id, ministry_code, tax_type, period, declared_amount, amount, created_at, updated_at) VALUES ($1, 'DCL-T-1', 'tax_return', 'draft', $2, (SELECT min(code) FROM ministries), 'vat', '2026-01', 1000, 1000, $3, $3)",
    [declarationId, citizen, NOW],
  );
  const history = (actor: string, action: string, h: number) =>
    database.db.query(
      "INSERT INTO declaration_history (declaration_id, from_status, to_status, action, actor_id, actor_role, at) VALUES ($1, 'under_review', 'approved', $2, $3, 'agent', $4)",
      [declarationId, action, actor, hoursAgo(h)],
    );
  await history(a, 'approve', 1);
  await history(a, 'reject', 23);
  await history(a, 'claim', 1); // not a decision
  await history(a, 'approve', 25); // older than a day
  await history(b, 'request_documents', 2);

  const r = createMetricRecorder();
  await runCollectors(r, [createActivityCollector({ db: database.db, now: () => NOW }), createDatabaseCollector({ db: database.db })]);
  const series = (name: MetricName) => recordedSeries(r, name);
  expect((await series('metrics_collector_up')).map((s) => s.value)).toEqual([1, 1]);
  expect(await series('auth_active_sessions')).toEqual([{ labels: {}, value: 1 }]);
  expect((await series('agent_decisions_last_day')).map((s) => [s.labels.agent, s.value]).sort()).toEqual(
    [
      [a, 2],
      [b, 1],
    ].sort(),
  );
  expect(await series('db_deadlocks')).toEqual([{ labels: {}, value: expect.any(Number) }]);
});
