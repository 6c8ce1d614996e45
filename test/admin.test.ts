import request from 'supertest';
import { runAuditVerify } from '../scripts/audit-verify';
import { anAccount, FIXTURE_PASSWORD, type CreatedAccount } from './support/auth-fixtures';
import { createTestApp, type TestApp } from './support/test-app';

let app: TestApp;
let admin: CreatedAccount;
beforeAll(async () => {
  app = await createTestApp();
  admin = await anAccount().withRole('admin').create(app);
});
afterAll(() => app.close());

const api = () => request(app.server);
const asAdmin = <T extends request.Test>(req: T) => req.set('Authorization', `Bearer ${admin.accessToken}`);

describe('users and roles', () => {
  it('makes a citizen an agent of two ministries, audited, effective on the next request', async () => {
    const user = await anAccount().create(app);
    const res = await asAdmin(api().patch(`/api/v1/admin/users/${user.id}`))
      .send({ role: 'agent', ministries: ['m-002', 'M-001'] })
      .expect(200);
    expect(res.body).toMatchObject({ role: 'agent', ministries: ['M-001', 'M-002'], status: 'active' });
    // The old token said citizen; the account now says agent, and the account wins.
    const me = await api().get('/api/v1/auth/me').set('Authorization', `Bearer ${user.accessToken}`).expect(200);
    expect(me.body.role).toBe('agent');
    const log = await asAdmin(api().get('/api/v1/admin/audit-log?action=user.access_changed')).expect(200);
    expect(log.body.items[0]).toMatchObject({
      actorId: admin.id,
      target: `user:${user.id}`,
      details: { before: { role: 'citizen' }, after: { role: 'agent', ministries: ['M-001', 'M-002'] } },
    });
  });

  it('refuses ministries for roles that have none, unknown ministries, and business without a NIF', async () => {
    const user = await anAccount().create(app);
    const wrongRole = await asAdmin(api().patch(`/api/v1/admin/users/${user.id}`))
      .send({ ministries: ['M-001'] })
      .expect(400);
    expect(wrongRole.body.errors[0].path).toBe('body.ministries');
    const unknown = await asAdmin(api().patch(`/api/v1/admin/users/${user.id}`))
      .send({ role: 'supervisor', ministries: ['M-999'] })
      .expect(400);
    expect(unknown.body.detail).toContain('M-999');
    await asAdmin(api().patch(`/api/v1/admin/users/${user.id}`))
      .send({ role: 'business' })
      .expect(400);
    await asAdmin(api().patch(`/api/v1/admin/users/${user.id}`))
      .send({})
      .expect(400);
    await asAdmin(api().patch('/api/v1/admin/users/8a0c3f7e-1111-4222-8333-944455556666')).send({ status: 'active' }).expect(404);
  });

  it('suspends an account: its tokens stop at once, it cannot log in, its sessions are ended', async () => {
    const user = await anAccount().create(app);
    const session = await api().post('/api/v1/auth/login').send({ email: user.email, password: FIXTURE_PASSWORD }).expect(200);
    await api().get('/api/v1/auth/me').set('Authorization', `Bearer ${session.body.accessToken}`).expect(200);
    await asAdmin(api().patch(`/api/v1/admin/users/${user.id}`))
      .send({ status: 'suspended' })
      .expect(200);
    await api().get('/api/v1/auth/me').set('Authorization', `Bearer ${session.body.accessToken}`).expect(401);
    await api().post('/api/v1/auth/refresh').send({ refreshToken: session.body.refreshToken }).expect(401);
    await api().post('/api/v1/auth/login').send({ email: user.email, password: FIXTURE_PASSWORD }).expect(403);
  });

  it('lists users by role with a cursor and a total', async () => {
    for (let i = 0; i < 3; i++) await anAccount().withRole('finance').create(app);
    const first = await asAdmin(api().get('/api/v1/admin/users?role=finance&limit=2')).expect(200);
    expect(first.body.total).toBe(3);
    expect(first.body.items).toHaveLength(2);
    const second = await asAdmin(api().get(`/api/v1/admin/users?role=finance&limit=2&cursor=${first.body.nextCursor}`)).expect(200);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items.every((u: { role: string }) => u.role === 'finance')).toBe(true);
  });
});

describe('catalog curation', () => {
  it('lists the services still flagged: the 102 not payable online', async () => {
    const res = await asAdmin(api().get('/api/v1/admin/fiscal-services/flagged?limit=100')).expect(200);
    expect(res.body.total).toBe(102);
    expect(res.body.items.every((s: { payableOnline: boolean; flags: string[] }) => !s.payableOnline && s.flags.length > 0)).toBe(true);
  });

  it('corrects a fee as a new catalog version, audited, visible at once', async () => {
    const before = await api().get('/api/v1/fiscal-services/T-015').expect(200);
    expect(before.body).toMatchObject({ payableOnline: false, catalogVersion: 1 });

    const res = await asAdmin(api().patch('/api/v1/fiscal-services/T-015'))
      .send({
        expeditionAmount: 3503,
        clearFlags: ['suspect_small_amount', 'non_integer_amount'],
        note: 'Source lost the thousands separator: 3.503 = 3503 XAF',
      })
      .expect(200);
    expect(res.body).toMatchObject({ expeditionAmount: 3503, payableOnline: true, flags: [], catalogVersion: 2 });

    const after = await api().get('/api/v1/fiscal-services/T-015').expect(200);
    expect(after.body).toMatchObject({ expeditionAmount: 3503, payableOnline: true });
    const flagged = await asAdmin(api().get('/api/v1/admin/fiscal-services/flagged?limit=1')).expect(200);
    expect(flagged.body.total).toBe(101);
    const tree = await api().get('/api/v1/ministries').expect(200);
    expect(tree.body.catalogVersion).toBe(2);

    const log = await asAdmin(api().get('/api/v1/admin/audit-log?action=catalog.service_corrected')).expect(200);
    expect(log.body.items[0]).toMatchObject({
      target: 'fiscal-service:T-015',
      details: { version: 2, before: { expeditionAmount: null }, after: { expeditionAmount: 3503 } },
    });
  });

  it('refuses fractional fees, unknown flags and non-admins', async () => {
    const frac = await asAdmin(api().patch('/api/v1/fiscal-services/T-001')).send({ expeditionAmount: 2000.5 }).expect(400);
    expect(frac.body.errors[0]).toEqual({ path: 'body.expeditionAmount', message: 'expected a whole number of XAF (no decimals)' });
    const flag = await asAdmin(api().patch('/api/v1/fiscal-services/T-001'))
      .send({ clearFlags: ['zero_amounts_in_source'] })
      .expect(400);
    expect(flag.body.detail).toContain('has no open flag');
    const citizen = await anAccount().create(app);
    await api().patch('/api/v1/fiscal-services/T-001').set('Authorization', `Bearer ${citizen.accessToken}`).send({ active: false }).expect(403);
    await asAdmin(api().patch('/api/v1/fiscal-services/T-999')).send({ active: false }).expect(404);
  });
});

describe('the audit log chain', () => {
  const verify = async () => {
    const out: string[] = [];
    const code = await runAuditVerify([], { DATABASE_URL: app.database.url, LOG_LEVEL: 'error' }, (l) => out.push(l));
    return { code, out: out.join('\n') };
  };

  it('verifies an untouched log and names the row after one is altered in SQL', async () => {
    const intact = await verify();
    expect(intact.code).toBe(0);
    expect(intact.out).toMatch(/audit log intact: \d+ row\(s\) verified/);

    await expect(app.database.db.query("UPDATE audit_log SET actor_email = 'x' WHERE id = 2")).rejects.toThrow(/append-only/);
    // Someone with the rights to disable the guard edits a row anyway.
    await app.database.db.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
    await app.database.db.query('UPDATE audit_log SET details = \'{"role":"admin"}\' WHERE id = 2');
    await app.database.db.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');

    const broken = await verify();
    expect(broken.code).toBe(1);
    expect(broken.out).toContain('audit log BROKEN at row 2: content does not match its hash (row altered)');
  });
});
