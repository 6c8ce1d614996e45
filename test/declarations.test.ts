import request from 'supertest';
import { anAccount, reissue, requestsAs, type CreatedAccount } from './support/auth-fixtures';
import { createTestApp, type TestApp } from './support/test-app';

let app: TestApp;
let citizen: CreatedAccount;
let otherCitizen: CreatedAccount;
let agent: CreatedAccount;
let agent2: CreatedAccount;
let foreignAgent: CreatedAccount;
let supervisor: CreatedAccount;

beforeAll(async () => {
  app = await createTestApp();
  citizen = await anAccount().create(app);
  otherCitizen = await anAccount().create(app);
  agent = await anAccount().withRole('agent', ['M-007', 'M-001']).create(app);
  agent2 = await anAccount().withRole('agent', ['M-007', 'M-001']).create(app);
  foreignAgent = await anAccount().withRole('agent', ['M-002']).create(app);
  supervisor = await anAccount().withRole('supervisor', ['M-007', 'M-001']).create(app);
});
afterAll(() => app.close());

const api = () => request(app.server);
const as = requestsAs(() => app);

const newTaxReturn = (declaredAmount = 1_000_000) =>
  as(citizen).post('/api/v1/declarations', { kind: 'tax_return', taxType: 'vat', period: '2026-07', declaredAmount });

describe('service fees', () => {
  it('quotes T-001 at 2000 XAF, locked to the catalog version, with an expiry and a reference', async () => {
    const res = await as(citizen).post('/api/v1/declarations', { kind: 'service_fee', serviceCode: 't-001', feeType: 'expedition' }).expect(201);
    expect(res.body).toMatchObject({
      kind: 'service_fee',
      status: 'awaiting_payment',
      ministry: 'M-001',
      amount: 2000,
      currency: 'XAF',
      quote: { serviceCode: 'T-001', feeType: 'expedition', catalogVersion: 1, expiresAt: '2026-01-18T09:00:00.000Z' },
    });
    expect(res.body.reference).toMatch(/^TGE-2026-\d{7}$/);
    const read = await as(citizen).get(`/api/v1/declarations/${res.body.id}`).expect(200);
    expect(read.body.history).toEqual([expect.objectContaining({ from: null, to: 'awaiting_payment', action: 'create', by: citizen.id })]);
  });

  it('refuses a service that is not payable online, and a fee the service does not have', async () => {
    const unpriced = await as(citizen).post('/api/v1/declarations', { kind: 'service_fee', serviceCode: 'T-007', feeType: 'expedition' }).expect(409);
    expect(unpriced.body.code).toBe('service_not_payable_online');
    expect(unpriced.body.detail).toMatch(/T-007 cannot be paid online yet/);
    const renewal = await as(citizen).post('/api/v1/declarations', { kind: 'service_fee', serviceCode: 'T-001', feeType: 'renewal' }).expect(400);
    expect(renewal.body.errors).toEqual([{ path: 'body.feeType', message: 'no renewal fee for this service' }]);
    const unknown = await as(citizen).post('/api/v1/declarations', { kind: 'service_fee', serviceCode: 'T-999', feeType: 'expedition' }).expect(400);
    expect(unknown.body.errors[0].path).toBe('body.serviceCode');
  });

  it('explains a body that matches neither kind', async () => {
    const res = await as(citizen).post('/api/v1/declarations', { kind: 'parking_ticket' }).expect(400);
    expect(res.body.detail).toContain('expected kind service_fee');
    const mismatch = await as(citizen).post('/api/v1/declarations', { kind: 'tax_return', taxType: 'vat', period: '2025', declaredAmount: 10 }).expect(400);
    expect(mismatch.body.errors[0].path).toBe('body.period');
  });
});

describe('a tax return from draft to approval', () => {
  it('draft → submitted → claimed → documents requested → resubmitted → approved with a validated amount', async () => {
    const created = await newTaxReturn().expect(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({
      status: 'draft',
      ministry: 'M-007',
      amount: 1_000_000,
      taxReturn: { taxType: 'vat', period: '2026-07', deadline: '2026-08-15' },
    });

    await as(citizen).post(`/api/v1/declarations/${id}/submit`).expect(200);
    const queue = await as(agent).get('/api/v1/agent/queue?ministry=M-007').expect(200);
    expect(queue.body.items.map((i: { declaration: { id: string } }) => i.declaration.id)).toContain(id);

    const claimed = await as(agent).post(`/api/v1/agent/declarations/${id}/claim`).expect(200);
    expect(claimed.body).toMatchObject({ status: 'in_review', claim: { by: agent.id } });
    await as(agent)
      .post(`/api/v1/agent/declarations/${id}/request-documents`, { documents: ['VAT ledger for July'], message: 'Attach the ledger' })
      .expect(200);
    await as(citizen).post(`/api/v1/declarations/${id}/submit`).expect(200);
    await as(agent).post(`/api/v1/agent/declarations/${id}/claim`).expect(200);
    const approved = await as(agent).post(`/api/v1/agent/declarations/${id}/approve`, { validatedAmount: 1_150_000 }).expect(200);
    expect(approved.body).toMatchObject({
      status: 'approved',
      amount: 1_150_000,
      taxReturn: { declaredAmount: 1_000_000, validatedAmount: 1_150_000 },
      claim: null,
    });

    const read = await as(citizen).get(`/api/v1/declarations/${id}`).expect(200);
    expect(read.body.history.map((h: { to: string }) => h.to)).toEqual([
      'draft',
      'submitted',
      'in_review',
      'documents_requested',
      'submitted',
      'in_review',
      'approved',
    ]);
    expect(read.body.history[3]).toMatchObject({ action: 'request_documents', reason: 'Attach the ledger [VAT ledger for July]', byRole: 'agent' });
  });

  it('needs a supervisor for an adjustment above 20 %', async () => {
    const { body } = await newTaxReturn(100_000).expect(201);
    await as(citizen).post(`/api/v1/declarations/${body.id}/submit`).expect(200);
    await as(agent).post(`/api/v1/agent/declarations/${body.id}/claim`).expect(200);
    const refused = await as(agent).post(`/api/v1/agent/declarations/${body.id}/approve`, { validatedAmount: 150_000 }).expect(403);
    expect(refused.body.detail).toMatch(/50 % away .* need a supervisor: escalate it/);
    await as(agent).post(`/api/v1/agent/declarations/${body.id}/escalate`, { reason: 'Large adjustment' }).expect(200);
    await as(agent).post(`/api/v1/agent/declarations/${body.id}/approve`, { validatedAmount: 150_000 }).expect(403);
    const approved = await as(supervisor).post(`/api/v1/agent/declarations/${body.id}/approve`, { validatedAmount: 150_000 }).expect(200);
    expect(approved.body).toMatchObject({ status: 'approved', amount: 150_000 });
  });

  it('requires a reason to reject', async () => {
    const { body } = await newTaxReturn().expect(201);
    await as(citizen).post(`/api/v1/declarations/${body.id}/submit`).expect(200);
    await as(agent).post(`/api/v1/agent/declarations/${body.id}/claim`).expect(200);
    const missing = await as(agent).post(`/api/v1/agent/declarations/${body.id}/reject`, {}).expect(400);
    expect(missing.body.errors[0].path).toBe('body.reason');
    await as(agent).post(`/api/v1/agent/declarations/${body.id}/reject`, { reason: 'Wrong period' }).expect(200);
  });
});

describe('claims', () => {
  it('lets exactly one of 100 concurrent claims win', async () => {
    const { body } = await newTaxReturn().expect(201);
    await as(citizen).post(`/api/v1/declarations/${body.id}/submit`).expect(200);
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => as(i % 2 ? agent : agent2).post(`/api/v1/agent/declarations/${body.id}/claim`)));
    const statuses = results.map((r) => r.status);
    const winners = results.filter((r) => r.status === 200);
    const winner = winners[0]!.body.claim.by as string;
    // The winner's own repeated claims extend its lock (200); everyone else gets 409.
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    expect(new Set(winners.map((w) => w.body.claim.by))).toEqual(new Set([winner]));
    const loser = winner === agent.id ? agent2 : agent;
    expect(results.filter((r, i) => (i % 2 ? agent : agent2) === loser).every((r) => r.status === 409)).toBe(true);
    const { rows } = await app.database.db.query("SELECT count(*)::int AS n FROM declaration_history WHERE declaration_id = $1 AND action = 'claim'", [
      body.id,
    ]);
    expect(rows[0]!.n).toBe(1);
  });

  it('gives an expired claim back to the queue', async () => {
    const { body } = await newTaxReturn().expect(201);
    await as(citizen).post(`/api/v1/declarations/${body.id}/submit`).expect(200);
    await as(agent).post(`/api/v1/agent/declarations/${body.id}/claim`).expect(200);
    const held = await as(agent2).post(`/api/v1/agent/declarations/${body.id}/claim`).expect(409);
    expect(held.body.detail).toMatch(/claimed by another reviewer/);
    app.clock.advance(2 * 3600_000 + 1000);
    await reissue(citizen, otherCitizen, agent, agent2, foreignAgent, supervisor);
    const { getReviewService } = await import('../shared/runtime/declarations');
    expect(await getReviewService().releaseExpiredClaims()).toBeGreaterThanOrEqual(1);
    const read = await as(citizen).get(`/api/v1/declarations/${body.id}`).expect(200);
    expect(read.body).toMatchObject({ status: 'submitted', claim: null });
    expect(read.body.history.at(-1)).toMatchObject({ action: 'release', byRole: 'system', reason: 'claim expired' });
    await as(agent2).post(`/api/v1/agent/declarations/${body.id}/claim`).expect(200);
  });
});

describe('visibility', () => {
  it('hides a declaration from other owners and from agents of other ministries', async () => {
    const { body } = await newTaxReturn().expect(201);
    await as(otherCitizen).get(`/api/v1/declarations/${body.id}`).expect(404);
    await as(foreignAgent).get(`/api/v1/declarations/${body.id}`).expect(404);
    await as(citizen).post(`/api/v1/declarations/${body.id}/submit`).expect(200);
    await as(foreignAgent).post(`/api/v1/agent/declarations/${body.id}/claim`).expect(404);
    await as(foreignAgent).get('/api/v1/agent/queue?ministry=M-007').expect(403);
    const own = await as(foreignAgent).get('/api/v1/agent/queue').expect(200);
    expect(own.body.items.every((i: { declaration: { ministry: string } }) => i.declaration.ministry === 'M-002')).toBe(true);
    const list = await as(otherCitizen).get('/api/v1/declarations').expect(200);
    expect(list.body.items.map((d: { id: string }) => d.id)).not.toContain(body.id);
  });

  it('pages the owner list newest first with a total', async () => {
    const mine = await as(citizen).get('/api/v1/declarations?limit=2').expect(200);
    expect(mine.body.total).toBeGreaterThan(2);
    const next = await as(citizen).get(`/api/v1/declarations?limit=2&cursor=${mine.body.nextCursor}`).expect(200);
    expect(next.body.items[0].id).not.toBe(mine.body.items[0].id);
    await as(citizen).get('/api/v1/declarations?cursor=Z2FyYmFnZQ').expect(400);
  });
});

describe('Idempotency-Key', () => {
  it('replays the original declaration for the same key and body, and refuses another body', async () => {
    const body = { kind: 'service_fee', serviceCode: 'T-002', feeType: 'expedition' };
    const first = await as(citizen).post('/api/v1/declarations', body).set('Idempotency-Key', 'k-123').expect(201);
    const again = await as(citizen).post('/api/v1/declarations', body).set('Idempotency-Key', 'k-123').expect(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const other = await as(citizen)
      .post('/api/v1/declarations', { ...body, serviceCode: 'T-003' })
      .set('Idempotency-Key', 'k-123')
      .expect(409);
    expect(other.body.code).toBe('idempotency_key_reused');
    expect(other.body.detail).toMatch(/different request body/);
    // Keys belong to their caller.
    const someoneElse = await as(otherCitizen).post('/api/v1/declarations', body).set('Idempotency-Key', 'k-123').expect(201);
    expect(someoneElse.body.id).not.toBe(first.body.id);
    const { rows } = await app.database.db.query<{ n: number }>("SELECT count(*)::int AS n FROM declarations WHERE service_code = 'T-002' AND owner_id = $1", [
      citizen.id,
    ]);
    expect(rows[0]!.n).toBe(1);
  });
});

describe('documents', () => {
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(2000, 0x20), Buffer.from('\n%%EOF\n')]);

  it('uploads a PDF through the signed URL and lists it for the owner and the reviewers', async () => {
    const { body: declaration } = await as(citizen)
      .post('/api/v1/declarations', { kind: 'service_fee', serviceCode: 'T-001', feeType: 'expedition' })
      .expect(201);
    const slot = await as(citizen)
      .post(`/api/v1/declarations/${declaration.id}/documents`, { filename: 'pasaporte.pdf', contentType: 'application/pdf', size: pdf.length })
      .expect(201);
    expect(slot.body).toMatchObject({ document: { filename: 'pasaporte.pdf', uploaded: false }, upload: { method: 'PUT' } });

    const url = new URL(slot.body.upload.url);
    let put = api().put(url.pathname + url.search);
    for (const [name, value] of Object.entries(slot.body.upload.headers as Record<string, string>)) put = put.set(name, value);
    await put.send(pdf).expect((res) => expect(res.status).toBeLessThan(300));

    const listed = await as(citizen).get(`/api/v1/declarations/${declaration.id}/documents`).expect(200);
    expect(listed.body.items).toEqual([expect.objectContaining({ filename: 'pasaporte.pdf', size: pdf.length, uploaded: true })]);
    const download = new URL(listed.body.items[0].downloadUrl);
    const got = await api()
      .get(download.pathname + download.search)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(Buffer.compare(got.body as Buffer, pdf)).toBe(0);
    // It downloads under the declaration's reference, never under the name its uploader chose.
    expect(got.headers['content-disposition']).toBe(`attachment; filename="${declaration.reference}-1.pdf"; filename*=UTF-8''${declaration.reference}-1.pdf`);

    // The signed URL is good for 15 minutes, but it uploads once: the document an agent will read cannot be swapped.
    let again = api().put(url.pathname + url.search);
    for (const [name, value] of Object.entries(slot.body.upload.headers as Record<string, string>)) again = again.set(name, value);
    const swapped = await again.send(Buffer.from(pdf.toString('latin1').replace('1.4', '1.7'), 'latin1')).expect(412);
    expect(swapped.body).toMatchObject({ code: 'already_uploaded' });

    const byAgent = await as(agent).get(`/api/v1/declarations/${declaration.id}/documents`).expect(200);
    expect(byAgent.body.items).toHaveLength(1);
    await as(otherCitizen).get(`/api/v1/declarations/${declaration.id}/documents`).expect(404);
    await as(foreignAgent).get(`/api/v1/declarations/${declaration.id}/documents`).expect(404);
  });

  it('refuses other file types, files over 10 MB, and uploads by anyone but the owner', async () => {
    const { body: declaration } = await newTaxReturn().expect(201);
    const exe = await as(citizen)
      .post(`/api/v1/declarations/${declaration.id}/documents`, { filename: 'x.exe', contentType: 'application/x-msdownload', size: 10 })
      .expect(400);
    expect(exe.body.errors[0].path).toBe('body.contentType');
    const big = await as(citizen)
      .post(`/api/v1/declarations/${declaration.id}/documents`, { filename: 'big.pdf', contentType: 'application/pdf', size: 10 * 1024 * 1024 + 1 })
      .expect(400);
    expect(big.body.errors[0]).toEqual({ path: 'body.size', message: 'expected at most 10485760 bytes (10 MB)' });
    await as(otherCitizen)
      .post(`/api/v1/declarations/${declaration.id}/documents`, { filename: 'a.pdf', contentType: 'application/pdf', size: 10 })
      .expect(404);
  });
});
