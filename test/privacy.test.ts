/**
 * Personal data through the public surface: the privacy notice, the export (compared with every
 * table of the schema) and erasure (after which every table is searched for the person).
 */
import request from 'supertest';
import type { Queryable } from '../shared/ports/database.port';
import { DATA_INVENTORY } from '../shared/domain/privacy/data-inventory';
import { getEventBus } from '../shared/runtime/events';
import { createTestApp, type TestApp } from './support/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ env: { FISCAL_RETENTION_YEARS: '7' } });
});
afterAll(() => app.close());

const PASSWORD = 'Privacy-Passw0rd!';

async function tableNames(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
  );
  return rows.map((r) => r.table_name);
}

/** Every row of every table whose JSON form contains one of the needles (case-insensitive), by table. */
async function rowsMentioning(db: Queryable, needles: string[]): Promise<Record<string, Record<string, unknown>[]>> {
  const found: Record<string, Record<string, unknown>[]> = {};
  for (const table of await tableNames(db)) {
    const { rows } = await db.query<{ row: Record<string, unknown> }>(
      `SELECT to_jsonb(t) AS row FROM "${table}" t WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) n WHERE position(lower(n) in lower(to_jsonb(t)::text)) > 0)`,
      [needles],
    );
    if (rows.length) found[table] = rows.map((r) => r.row);
  }
  return found;
}

/** A taxpayer with a bit of everything: sessions, a reset request, a device, an unpaid quote with a document, a filed tax return. */
async function aTaxpayer(suffix: string, withFiledReturn: boolean) {
  const person = {
    email: `aurelia.${suffix}@example.gq`,
    fullName: `Aurelia Nsue Obono ${suffix}`,
    phone: `+240 222 ${suffix.padStart(3, '0').slice(-3)} 777`,
  };
  const reg = await request(app.server)
    .post('/api/v1/auth/register')
    .send({ email: person.email, password: PASSWORD, fullName: person.fullName, phone: person.phone, accountType: 'citizen', locale: 'fr' })
    .expect(201);
  const id = reg.body.id as string;
  const tokens = (await request(app.server).post('/api/v1/auth/login').send({ email: person.email, password: PASSWORD }).expect(200)).body as {
    accessToken: string;
  };
  const as = (r: request.Test) => r.set('Authorization', `Bearer ${tokens.accessToken}`);
  await request(app.server).post('/api/v1/auth/password/forgot').send({ email: person.email }).expect(202);
  await app.database.db.query("INSERT INTO device_tokens (token, user_id, platform, created_at, last_seen_at) VALUES ($1, $2, 'android', now(), now())", [
    `device-${suffix}`,
    id,
  ]);
  const fee = await as(request(app.server).post('/api/v1/declarations')).send({ kind: 'service_fee', serviceCode: 'T-001', feeType: 'expedition' }).expect(201);
  await as(request(app.server).post(`/api/v1/declarations/${fee.body.id}/documents`))
    .send({ filename: `passport-${person.fullName}.pdf`, contentType: 'application/pdf', size: 1000 })
    .expect(201);
  if (withFiledReturn) {
    const ret = await as(request(app.server).post('/api/v1/declarations'))
      .send({
        kind: 'tax_return',
        taxType: 'personal_income',
        period: '2025',
        declaredAmount: 150000,
        data: { employer: 'Ministerio', declarant: person.fullName },
      })
      .expect(201);
    await as(request(app.server).post(`/api/v1/declarations/${ret.body.id}/submit`))
      .send({})
      .expect(200);
  }
  await getEventBus().drain();
  return { ...person, id, accessToken: tokens.accessToken };
}

describe('GET /api/v1/privacy', () => {
  it.each([
    ['es', 'Aviso de privacidad', 'años'],
    ['fr', 'Avis de confidentialité', 'ans'],
    ['en', 'privacy notice', 'years'],
  ])('shows the notice in %s with the configured fiscal period', async (lang, title, years) => {
    const res = await request(app.server).get(`/api/v1/privacy?lang=${lang}`).expect(200);
    expect(res.body.title).toContain(title);
    expect(res.body.retention.fiscalYears).toBe(7);
    expect(JSON.stringify(res.body.sections)).toContain(`7 ${years}`);
  });
});

describe('the data inventory', () => {
  it('names every table of the schema, and no table that does not exist', async () => {
    const tables = await tableNames(app.database.db);
    expect(tables.filter((t) => !(t in DATA_INVENTORY))).toEqual([]);
    expect(Object.keys(DATA_INVENTORY).filter((t) => !tables.includes(t))).toEqual([]);
  });
});

describe('GET /api/v1/me/data', () => {
  it('carries every row of every table that mentions the caller, except the documented technical copies', async () => {
    const p = await aTaxpayer('101', true);
    const res = await request(app.server).get('/api/v1/me/data').set('Authorization', `Bearer ${p.accessToken}`).expect(200);
    expect(res.headers['content-disposition']).toContain('attachment');
    const exported = res.body as { tables: Record<string, Record<string, unknown>[]>; withheld: Record<string, string[]>; notIncluded: { table: string }[] };
    const mentions = await rowsMentioning(app.database.db, [p.id, p.email]);
    // The person is in these tables at least (the fixture made sure of it).
    expect(Object.keys(mentions)).toEqual(
      expect.arrayContaining([
        'users',
        'refresh_tokens',
        'password_resets',
        'device_tokens',
        'declarations',
        'declaration_history',
        'declaration_documents',
        'audit_log',
        'notification_outbox',
        'event_outbox',
      ]),
    );
    for (const [table, rows] of Object.entries(mentions)) {
      const rule = DATA_INVENTORY[table]!.rule;
      if (!rule.export) {
        expect(exported.notIncluded.map((n) => n.table)).toContain(table);
        continue;
      }
      const withheld = exported.withheld[table] ?? [];
      for (const row of rows) {
        const visible = Object.fromEntries(Object.entries(row).filter(([k]) => !withheld.includes(k)));
        expect({ table, row: exported.tables[table] }).toEqual({ table, row: expect.arrayContaining([visible]) });
      }
    }
    // Secrets never leave.
    expect(JSON.stringify(exported.tables)).not.toMatch(/"password_hash"|"token_hash"|"request_hash"|scrypt\$/);
  });

  it('shows one caller only their own rows', async () => {
    const a = await aTaxpayer('102', false);
    const b = await aTaxpayer('103', false);
    const res = await request(app.server).get('/api/v1/me/data').set('Authorization', `Bearer ${a.accessToken}`).expect(200);
    expect(JSON.stringify(res.body)).not.toContain(b.id);
    expect(JSON.stringify(res.body)).not.toContain(b.email);
  });
});

describe('POST /api/v1/me/erasure', () => {
  it('needs the account password', async () => {
    const p = await aTaxpayer('104', false);
    await request(app.server).post('/api/v1/me/erasure').set('Authorization', `Bearer ${p.accessToken}`).send({ password: 'not-the-password' }).expect(401);
    await request(app.server).post('/api/v1/auth/login').send({ email: p.email, password: PASSWORD }).expect(200);
  });

  it('leaves the email, phone and name of a person without fiscal records only in the audit log', async () => {
    const p = await aTaxpayer('105', false);
    const res = await request(app.server).post('/api/v1/me/erasure').set('Authorization', `Bearer ${p.accessToken}`).send({ password: PASSWORD }).expect(200);
    expect(res.body.kept.map((k: { where: string[] }) => k.where)).toEqual([['audit_log']]);
    expect(res.body.removed).toMatchObject({ refresh_tokens: 1, password_resets: 1, device_tokens: 1, declaration_documents: 1 });
    const left = await rowsMentioning(app.database.db, [p.email, p.phone, p.phone.replace(/ /g, ''), p.fullName]);
    expect(Object.keys(left)).toEqual(['audit_log']);
    // The audit log keeps the email of sign-ins and of the registration, never the phone or the name.
    expect(JSON.stringify(left.audit_log)).not.toContain(p.fullName);
    const erased = (await app.database.db.query("SELECT details FROM audit_log WHERE action = 'privacy.erased' AND target = $1", [`user:${p.id}`])).rows;
    expect(erased).toHaveLength(1);
    await request(app.server).post('/api/v1/auth/login').send({ email: p.email, password: PASSWORD }).expect(401);
  });

  it('keeps the name of a person with a filed tax return, with the records that need it, until the legal period ends', async () => {
    const p = await aTaxpayer('106', true);
    const res = await request(app.server).post('/api/v1/me/erasure').set('Authorization', `Bearer ${p.accessToken}`).send({ password: PASSWORD }).expect(200);
    const fiscal = res.body.kept.find((k: { where: string[] }) => k.where.includes('declarations'));
    expect(fiscal.until).toBe(new Date(Date.UTC(2026 + 7, 0, 15, 9)).toISOString());
    const left = await rowsMentioning(app.database.db, [p.email, p.phone, p.phone.replace(/ /g, ''), p.fullName]);
    expect(Object.keys(left).sort()).toEqual(['audit_log', 'declarations', 'users']);
    // The filed return keeps what was declared; the users row only the name, for that record.
    expect(left.declarations).toHaveLength(1);
    expect(left.declarations![0]).toMatchObject({ kind: 'tax_return' });
    expect(left.users![0]).toMatchObject({ full_name: p.fullName, phone: null, email: `erased-${p.id}@erased.invalid` });
  });

  it('refuses staff accounts, which an administrator closes', async () => {
    const { anAccount } = await import('./support/auth-fixtures');
    const agent = await anAccount().withRole('agent', ['M-001']).create(app);
    await request(app.server).post('/api/v1/me/erasure').set('Authorization', `Bearer ${agent.accessToken}`).send({ password: 'x' }).expect(403);
  });
});
