/**
 * The retention job as Cloud Scheduler runs it (POST /jobs/apply-retention on the jobs function):
 * for each policy of docs/PRIVACY.md, one row just past its period goes and one just inside stays,
 * at the injected clock's time; the counts land in the audit log.
 */
import { randomUUID } from 'node:crypto';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import { anAccount, type CreatedAccount } from './support/auth-fixtures';
import { createTestApp, type TestApp } from './support/test-app';
import '../functions/jobs';

let app: TestApp;
let owner: CreatedAccount;
const NOW = new Date('2026-06-01T02:15:00.000Z');
const DAY = 86_400_000;
const ago = (days: number, plusMs = 0) => new Date(NOW.getTime() - days * DAY + plusMs);
// Just past the period, and just inside it.
const past = (days: number) => ago(days, -60_000);
const inside = (days: number) => ago(days, 60_000);

beforeAll(async () => {
  app = await createTestApp({
    env: {
      WEBHOOK_BODY_RETENTION_DAYS: '90',
      NOTIFICATION_RETENTION_DAYS: '180',
      EVENT_RETENTION_DAYS: '30',
      DOCUMENT_RETENTION_DAYS: '60',
      FISCAL_RETENTION_YEARS: '10',
    },
  });
  owner = await anAccount().create(app);
  app.clock.set(NOW);
});
afterAll(() => app.close());

const q = (sql: string, params: unknown[] = []) => app.database.db.query(sql, params);
const ids = async (sql: string, params: unknown[] = []) => (await q(sql, params)).rows.map((r) => Object.values(r)[0] as string).sort();
const run = () => request(getTestServer('jobs')).post('/jobs/apply-retention').expect(200);

async function declaration(status: 'cancelled' | 'completed', closedAt: Date): Promise<string> {
  const id = randomUUID();
  const start = status === 'cancelled' ? 'draft' : 'awaiting_payment';
  const kind = status === 'cancelled' ? 'tax_return' : 'service_fee';
  await q(
    `INSERT INTO declarations (id, reference, kind, status, owner_id, ministry_code, service_code, fee_type, catalog_version, quote_expires_at, tax_type, period, declared_amount, amount, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1000, $14, $14)`,
    kind === 'service_fee'
      ? [id, `R-${id}`, kind, start, owner.id, 'M-001', 'T-001', 'expedition', 1, closedAt, null, null, null, closedAt]
      : [id, `R-${id}`, kind, start, owner.id, 'M-007', null, null, null, null, 'vat', '2025-01', 1000, closedAt],
  );
  if (status === 'cancelled') await q("UPDATE declarations SET status = 'cancelled', updated_at = $2 WHERE id = $1", [id, closedAt]);
  else {
    const pay = randomUUID();
    await q(
      `INSERT INTO payments (id, reference, declaration_id, owner_id, amount, method, status, expires_at, created_at, updated_at) VALUES ($1, $2, $3, $4, 1000, 'bange_card', 'pending', $5, $5, $5)`,
      [pay, `P-${pay}`, id, owner.id, closedAt],
    );
    await q("UPDATE payments SET status = 'succeeded', paid_at = $2 WHERE id = $1", [pay, closedAt]);
    await q("UPDATE declarations SET status = 'paid' WHERE id = $1", [id]);
    await q("UPDATE declarations SET status = 'completed', updated_at = $2 WHERE id = $1", [id, closedAt]);
  }
  return id;
}

async function documentOf(declarationId: string): Promise<string> {
  const id = randomUUID();
  await q(
    `INSERT INTO declaration_documents (id, declaration_id, filename, content_type, size_bytes, object_name, uploaded_by, created_at) VALUES ($1, $2, 'id.pdf', 'application/pdf', 10, $3, $4, $5)`,
    [id, declarationId, `declarations/${declarationId}/${id}.pdf`, owner.id, NOW],
  );
  return id;
}

describe('POST /jobs/apply-retention', () => {
  it('deletes exactly what each policy says, counts it in the audit log, and deletes nothing more when run again', async () => {
    // Idempotency keys: 24 h (their expires_at).
    const key = (expires: Date) =>
      q(
        `INSERT INTO idempotency_keys (principal_id, operation, key, request_hash, created_at, expires_at) VALUES ($1, 'op', $2, '\\x00', $3, $3) RETURNING key`,
        [owner.id, randomUUID(), expires],
      );
    const oldKey = (await key(ago(0, -1))).rows[0]!.key as string;
    const liveKey = (await key(ago(0, 60_000))).rows[0]!.key as string;
    // Sessions: 30 days after expiry or revocation; a rotated token of a live family stays.
    const session = async (expires: Date, revoked: Date | null, used: Date | null = null) => {
      const id = randomUUID();
      await q(
        'INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, created_at, expires_at, used_at, revoked_at) VALUES ($1, $1, $2, $3, $4, $5, $6, $7)',
        [id, owner.id, Buffer.from(id), ago(90), expires, used, revoked],
      );
      return id;
    };
    const expiredSession = await session(past(30), null);
    const revokedSession = await session(ago(-10), past(30));
    const keptSessions = [await session(inside(30), null), await session(ago(-10), inside(30)), await session(ago(-10), null, ago(60))];
    // Reset tokens: a day after expiry or use.
    const reset = async (expires: Date, used: Date | null) => {
      const id = randomUUID();
      await q('INSERT INTO password_resets (id, user_id, token_hash, created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        id,
        owner.id,
        Buffer.from(id),
        ago(2),
        expires,
        used,
      ]);
      return id;
    };
    const spentResets = [await reset(past(1), null), await reset(ago(-1), past(1))];
    const keptResets = [await reset(inside(1), null), await reset(ago(-1), inside(1))];
    // Events: 30 days after publication / processing / replay; unpublished and open ones stay.
    const outbox = async (published: Date | null) => {
      const id = randomUUID();
      await q(`INSERT INTO event_outbox (id, topic, event, created_at, published_at) VALUES ($1, 'declaration-events', '{}', $2, $3)`, [
        id,
        ago(400),
        published,
      ]);
      return id;
    };
    const oldEvent = await outbox(past(30));
    const keptEvents = [await outbox(inside(30)), await outbox(null)];
    await q(`INSERT INTO processed_events (subscription, event_id, processed_at) VALUES ('s', 'old', $1), ('s', 'recent', $2)`, [past(30), inside(30)]);
    const dead = async (replayed: Date | null) => {
      const id = randomUUID();
      await q(`INSERT INTO dead_letters (id, subscription, topic, event, error, attempts, dead_at, replayed_at) VALUES ($1, 's', 't', '{}', 'e', 5, $2, $3)`, [
        id,
        ago(400),
        replayed,
      ]);
      return id;
    };
    const oldDead = await dead(past(30));
    const keptDead = [await dead(inside(30)), await dead(null)];
    // Notifications: 180 days.
    const delivery = async (at: Date) => {
      const id = randomUUID();
      await q(
        `INSERT INTO notification_deliveries (id, event_id, event_type, user_id, channel, template, attempt, outcome, final, at) VALUES ($1, $4, 't', $2, 'email', 't', 1, 'sent', true, $3)`,
        [id, owner.id, at, id],
      );
      return id;
    };
    const oldDelivery = await delivery(past(180));
    const keptDelivery = await delivery(inside(180));
    const message = async (at: Date) => {
      const id = randomUUID();
      await q(
        `INSERT INTO notification_outbox (id, channel, recipient, template, locale, payload, created_at) VALUES ($1, 'email', 'a@b.gq', 't', 'es', '{}', $2)`,
        [id, at],
      );
      return id;
    };
    const oldMessage = await message(past(180));
    const keptMessage = await message(inside(180));
    await q(`INSERT INTO notification_claims (event_id, channel, claimed_until) VALUES ('old', 'email', $1), ('recent', 'email', $2)`, [past(1), inside(1)]);
    // Webhook bodies: 90 days once settled; unresolved ones stay whatever their age.
    const webhook = async (received: Date, status: string, replayed: Date | null = null) => {
      const id = randomUUID();
      await q(`INSERT INTO webhook_events (id, received_at, status, raw_body, replayed_at) VALUES ($1, $2, $3, '{"payer":"x"}', $4)`, [
        id,
        received,
        status,
        replayed,
      ]);
      return id;
    };
    const clearedBodies = [await webhook(past(90), 'accepted'), await webhook(past(90), 'unmatched', ago(10))];
    const keptBodies = [await webhook(inside(90), 'accepted'), await webhook(ago(400), 'unmatched')];
    // Documents: closed fiscal records after 10 years, other closed declarations after 60 days; open ones stay.
    const dueDocs = [await documentOf(await declaration('cancelled', past(60))), await documentOf(await declaration('completed', ago(3653, -60_000)))];
    const keptDocs = [await documentOf(await declaration('cancelled', inside(60))), await documentOf(await declaration('completed', ago(3000)))];
    const storage = app.runtime.storage as unknown as { writeObject?: (n: string, t: string, l: number, b: NodeJS.ReadableStream) => Promise<void> };
    expect(storage.writeObject).toBeDefined();
    const { Readable } = await import('node:stream');
    const objectOf = async (docId: string) => (await q('SELECT object_name FROM declaration_documents WHERE id = $1', [docId])).rows[0]!.object_name as string;
    const dueObject = await objectOf(dueDocs[0]!);
    await storage.writeObject!(dueObject, 'application/pdf', 10, Readable.from([Buffer.alloc(10)]));
    // Erased identities: the name stays until identity_retained_until.
    const erased = async (until: Date) => {
      const id = randomUUID();
      await q(
        `INSERT INTO users (id, email, password_hash, full_name, role, erased_at, identity_retained_until) VALUES ($1, $2, '!erased', 'Kept Name', 'citizen', $3, $4)`,
        [id, `erased-${id}@erased.invalid`, ago(10), until],
      );
      return id;
    };
    const forgotten = await erased(past(0));
    const stillKept = await erased(inside(0));

    const first = await run();

    expect(await ids('SELECT key FROM idempotency_keys WHERE principal_id = $1', [owner.id])).toEqual([liveKey]);
    expect(oldKey).not.toBe(liveKey);
    expect(await ids('SELECT id FROM refresh_tokens WHERE user_id = $1', [owner.id])).toEqual([...keptSessions].sort());
    expect([expiredSession, revokedSession].some((s) => keptSessions.includes(s))).toBe(false);
    expect(await ids('SELECT id FROM password_resets')).toEqual([...keptResets].sort());
    expect(spentResets).toHaveLength(2);
    expect(await ids('SELECT id FROM event_outbox WHERE id = ANY($1)', [[oldEvent, ...keptEvents]])).toEqual([...keptEvents].sort());
    expect(await ids("SELECT event_id FROM processed_events WHERE subscription = 's'")).toEqual(['recent']);
    expect(await ids('SELECT id FROM dead_letters WHERE id = ANY($1)', [[oldDead, ...keptDead]])).toEqual([...keptDead].sort());
    expect(await ids('SELECT id FROM notification_deliveries WHERE id = ANY($1)', [[oldDelivery, keptDelivery]])).toEqual([keptDelivery]);
    expect(await ids('SELECT id FROM notification_outbox WHERE id = ANY($1)', [[oldMessage, keptMessage]])).toEqual([keptMessage]);
    expect(await ids("SELECT event_id FROM notification_claims WHERE channel = 'email'")).toEqual(['recent']);
    expect(await ids('SELECT id FROM webhook_events WHERE raw_body IS NULL AND raw_body_purged_at IS NOT NULL')).toEqual([...clearedBodies].sort());
    expect(await ids('SELECT id FROM webhook_events WHERE raw_body IS NOT NULL')).toEqual([...keptBodies].sort());
    expect(await ids('SELECT id FROM declaration_documents')).toEqual([...keptDocs].sort());
    expect(await app.runtime.storage.stat(dueObject)).toBeUndefined();
    expect((await q('SELECT full_name, identity_retained_until FROM users WHERE id = $1', [forgotten])).rows[0]).toEqual({
      full_name: 'Erased account',
      identity_retained_until: null,
    });
    expect((await q('SELECT full_name FROM users WHERE id = $1', [stillKept])).rows[0]).toEqual({ full_name: 'Kept Name' });

    const counts = {
      idempotency_keys: 1,
      sessions: 2,
      reset_tokens: 2,
      published_events: 1,
      processed_events: 1,
      replayed_dead_letters: 1,
      notification_claims: 1,
      notification_deliveries: 1,
      notification_outbox: 1,
      webhook_bodies: 2,
      retained_identities: 1,
      documents: 2,
    };
    expect(first.body).toEqual({ job: 'apply-retention', processed: Object.values(counts).reduce((a, b) => a + b, 0) });
    const audit = await q("SELECT details FROM audit_log WHERE action = 'retention.applied' ORDER BY id");
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]!.details).toMatchObject({
      at: NOW.toISOString(),
      deleted: counts,
      settings: { fiscalYears: 10, webhookBodyDays: 90, notificationDays: 180, eventDays: 30, documentDays: 60 },
    });

    const second = await run();
    expect(second.body.processed).toBe(0);
    expect((await q("SELECT count(*)::int AS n FROM audit_log WHERE action = 'retention.applied'")).rows[0]!.n).toBe(2);
  });
});
