/**
 * The deployed shape, end to end, through the public origin only, as a client and BANGE meet it:
 * every function its own process (HTTP functions as two instances), Pub/Sub on the emulator with the
 * topology's push subscriptions and dead letters, Cloud Scheduler's jobs, the BANGE sandbox as its
 * own process, the shared cache over Redis through the Upstash REST protocol.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { SANDBOX_API_KEY } from '../../shared/config/config';
import { findFreePort } from '../../shared/adapters/db/embedded-postgres';
import { generateSigningKey } from '../../shared/domain/identity/key-ring';
import { BANGE_CLEARING } from '../../shared/domain/payments/ledger';
import { verifyReceiptToken } from '../../shared/domain/payments/receipts';
import { extractFromLog, logEntryOf, matchesLogFilter, type LogEntry } from '../../shared/metrics/log-filter';
import { logMetricOf, METRICS, type MetricDefinition } from '../../shared/metrics/metric-registry';
import { topology } from '../../shared/topology/topology';
import { startDeployedShape, type DeployedShape } from '../../scripts/deployed/deployed-shape';
import { SERVED_BY } from '../../scripts/deployed/hosting-proxy';
import { printedPage } from '../support/printed-page';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { startPrometheus } from '../observability/support/prometheus-tools';

jest.setTimeout(120_000);

const PASSWORD = 'Demo-Passw0rd!';
let shape: DeployedShape;
/** Every line each function (and the sandbox) wrote, as Cloud Run would ship it to Cloud Logging. */
const processLines: { source: string; line: string }[] = [];
let database: TestDatabase;
let redis: ChildProcess;
let dataDir: string;

/** A private Redis: rate-limit windows of other runs on the machine's Redis must not leak in. */
async function startRedis(): Promise<{ child: ChildProcess; url: string }> {
  const port = await findFreePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const failed = new Promise<never>((_, reject) =>
    child.once('error', (err) =>
      reject(new Error(`redis-server is needed by the deployed shape's tests (Debian: apt-get install redis-server): ${err.message}`)),
    ),
  );
  const up = (async () => {
    for (let i = 0; i < 100; i++) {
      if (
        await fetch(`http://127.0.0.1:${port}`).then(
          () => true,
          (e: Error) => !String(e.cause ?? e).includes('ECONNREFUSED'),
        )
      )
        return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('redis-server did not listen');
  })();
  await Promise.race([up, failed]);
  return { child, url: `redis://127.0.0.1:${port}` };
}

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  servedBy: string;
  headers: Record<string, string | string[] | undefined>;
}

let clients = 0;
/** Requests come from many loopback addresses, as from many clients: per-address limits then bind only the cases that test them. */
const nextClientAddress = () => `127.0.2.${(clients++ % 250) + 1}`;

/** One request to the public origin, from a chosen loopback address (the client's IP as the functions see it). */
function call(
  method: string,
  pathname: string,
  o: { token?: string; body?: unknown; headers?: Record<string, string>; from?: string; base?: string } = {},
): Promise<Answer> {
  const url = new URL(pathname, o.base ?? shape.url);
  const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        localAddress: o.from ?? nextClientAddress(),
        headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...o.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, body, servedBy: String(res.headers[SERVED_BY] ?? ''), headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const login = async (email: string, from?: string) => {
  const r = await call('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD }, ...(from ? { from } : {}) });
  expect(r.status).toBe(200);
  return r.body.accessToken as string;
};

let seq = 0;
async function newCitizen(): Promise<{ email: string; token: string; id: string }> {
  const email = `citizen-${Date.now()}-${++seq}@e2e.taxasge.gq`;
  const created = await call('POST', '/api/v1/auth/register', { body: { email, password: PASSWORD, fullName: 'Ana Nsue', accountType: 'citizen' } });
  expect(created.status).toBe(201);
  return { email, token: await login(email), id: created.body.id };
}

/** A T-001 fee (2,000 XAF) with a pending payment: its BANGE checkout id. */
async function pendingPayment(token: string) {
  const d = await call('POST', '/api/v1/declarations', { token, body: { kind: 'service_fee', serviceCode: 'T-001', feeType: 'expedition' } });
  expect(d.status).toBe(201);
  const p = await call('POST', '/api/v1/payments', {
    token,
    body: { declarationId: d.body.id, method: 'bange_wallet' },
    headers: { 'idempotency-key': `e2e-${d.body.id}` },
  });
  expect(p.status).toBe(201);
  return { declarationId: d.body.id as string, paymentId: p.body.id as string, checkoutUrl: p.body.checkoutUrl as string };
}

/** Whether a function fell back to counting per instance since that line (its log line may trail its answer a little). */
async function cacheFailedSince(line: number): Promise<boolean> {
  await new Promise((r) => setTimeout(r, 250));
  return processLines.slice(line).some((l) => l.line.includes('rate limiter cache failed'));
}

const pay = async (checkoutUrl: string, knobs = '') => expect((await fetch(`${checkoutUrl}/pay${knobs}`, { method: 'POST' })).status).toBeLessThan(300);
const receiptOf = (token: string, paymentId: string) =>
  eventually(`the receipt of ${paymentId}`, async () => {
    const r = await call('GET', `/api/v1/payments/${paymentId}/receipt`, { token });
    return r.status === 200 ? r.body : undefined;
  });
const journals = async (paymentId: string) =>
  (await database.db.query<{ n: number }>("SELECT count(*)::int AS n FROM ledger_journals WHERE kind = 'payment' AND payment_id = $1", [paymentId])).rows[0]!.n;
const paymentMessages = async (userId: string) =>
  (
    await database.db.query<{ n: number }>(
      "SELECT count(DISTINCT event_id)::int AS n FROM notification_deliveries WHERE user_id = $1 AND template = 'payment-received'",
      [userId],
    )
  ).rows[0]!.n;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'taxasge-deployed-'));
  const started = await startRedis();
  redis = started.child;
  database = await createTestDatabase();
  shape = await startDeployedShape({
    dataDir,
    instances: 2,
    databaseUrl: database.url,
    redisUrl: started.url,
    distDir: path.join(dataDir, 'dist'),
    demoPassword: PASSWORD,
    logLevel: 'warning',
    extraEnv: { RATE_LIMIT_PUBLIC_PER_MINUTE: '200' },
    onProcessLine: (source, line) => processLines.push({ source, line }),
  });
}, 240_000);

afterAll(async () => {
  await shape?.close();
  await database?.drop();
  redis?.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the deployed shape', () => {
  it('runs every function of the topology as its own processes, two instances of each HTTP function', () => {
    for (const id of Object.keys(topology.httpFunctions)) expect([id, shape.instancesOf(id).length]).toEqual([id, 2]);
    for (const id of Object.keys(topology.eventFunctions)) expect([id, shape.instancesOf(id).length]).toEqual([id, 1]);
    const pids = Object.keys({ ...topology.httpFunctions, ...topology.eventFunctions }).flatMap((id) => shape.instancesOf(id).map((p) => p.child.pid));
    expect(new Set(pids).size).toBe(pids.length);
    expect(shape.cache).toBe('upstash-bridge');
  });

  it("answers through Hosting's routing, with firebase.json's headers, and a problem for unrouted paths", async () => {
    const catalog = await call('GET', '/api/v1/fiscal-services?limit=1');
    expect([catalog.status, catalog.body.total, catalog.headers['cache-control'], catalog.headers['x-content-type-options']]).toEqual([
      200,
      547,
      'no-cache',
      'nosniff',
    ]);
    // Each route's caching reaches the client through Hosting: a catalog page revalidates with its ETag
    // (304), the signing keys are public for 5 minutes, anything personal is never stored.
    const again = await call('GET', '/api/v1/fiscal-services?limit=1', { headers: { 'if-none-match': String(catalog.headers.etag) } });
    expect(again.status).toBe(304);
    expect((await call('GET', '/api/v1/receipts/keys')).headers['cache-control']).toBe('public, max-age=300');
    const me = await call('GET', '/api/v1/auth/me');
    expect([me.status, me.headers['cache-control']]).toEqual([401, 'no-store']);
    const unknown = await call('GET', '/nowhere');
    expect([unknown.status, unknown.body.code]).toEqual([404, 'route_not_found']);
    // The jobs function has no public path: only Cloud Scheduler reaches it.
    expect((await call('POST', '/jobs/sweep-outbox')).status).toBe(404);
  });

  it('takes a citizen from registration to a verifiable receipt, each step done by its function over Pub/Sub', async () => {
    const citizen = await newCitizen();
    const { declarationId, paymentId, checkoutUrl } = await pendingPayment(citizen.token);
    await pay(checkoutUrl);
    const receipt = await receiptOf(citizen.token, paymentId);
    expect(receipt.number).toMatch(/^REC-/);
    expect((await call('GET', `/api/v1/payments/${paymentId}`, { token: citizen.token })).body.status).toBe('succeeded');
    expect((await call('GET', `/api/v1/declarations/${declarationId}`, { token: citizen.token })).body.status).not.toMatch(/^(awaiting_payment|draft)$/);
    expect((await call('POST', '/api/v1/receipts/verify', { body: { token: receipt.token } })).body).toMatchObject({ valid: true });
    await eventually('the payer told', async () => ((await paymentMessages(citizen.id)) === 1 ? true : undefined));
    expect(await journals(paymentId)).toBe(1);
  });

  it('applies a webhook delivered three times and out of order once', async () => {
    const citizen = await newCitizen();
    const payments = [await pendingPayment(citizen.token), await pendingPayment(citizen.token)];
    for (const p of payments) await pay(p.checkoutUrl, '?outOfOrder=1&duplicates=3');
    const released = await fetch(`${shape.sandboxUrl}/sandbox/bange/v1/webhooks/release`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SANDBOX_API_KEY}` },
    });
    expect(((await released.json()) as { released: number }).released).toBeGreaterThanOrEqual(2);
    for (const p of payments) await receiptOf(citizen.token, p.paymentId);
    for (const p of payments) expect(await journals(p.paymentId)).toBe(1);
    await eventually('both payers told once', async () => ((await paymentMessages(citizen.id)) === 2 ? true : undefined));
  });

  it('books every payment once when every database connection of every function is killed during a burst of webhooks', async () => {
    const citizen = await newCitizen();
    const payments = await Promise.all(Array.from({ length: 16 }, () => pendingPayment(citizen.token)));
    const killer = new Client({ connectionString: database.url });
    await killer.connect();
    let killed = 0;
    try {
      // All paid at once: the sandbox delivers each webhook (retrying a 5xx after 0.5, 2 and 8 s) while
      // every backend of the database (webhooks, apply-payment, issue-receipt, notify-payer pools) is
      // terminated six times, 150 ms apart: requests, transactions and consumers die mid-way.
      const paid = Promise.all(payments.map((p) => pay(p.checkoutUrl)));
      for (let i = 0; i < 6; i++) {
        const { rows } = await killer.query<{ n: number }>(
          'SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        );
        killed += rows[0]!.n;
        await new Promise((r) => setTimeout(r, 150));
      }
      await paid;
    } finally {
      await killer.end();
    }
    expect(killed).toBeGreaterThan(0);
    // Webhooks retried by the bank, pushes redelivered by Pub/Sub, publishes swept from the outbox:
    // each payment ends applied once, with one receipt, and the ledger holds what the bank sent.
    for (const p of payments) await receiptOf(citizen.token, p.paymentId);
    for (const p of payments) expect(await journals(p.paymentId)).toBe(1);
    const ids = payments.map((p) => p.paymentId);
    const { rows } = await database.db.query<{ succeeded: number; booked: string }>(
      `SELECT (SELECT count(*)::int FROM payments WHERE id = ANY($1::uuid[]) AND status = 'succeeded') AS succeeded,
              (SELECT coalesce(sum(e.debit), 0)::text FROM ledger_journals j JOIN ledger_entries e ON e.journal_id = j.id
                WHERE j.kind = 'payment' AND j.payment_id = ANY($1::uuid[]) AND e.account = $2) AS booked`,
      [ids, BANGE_CLEARING],
    );
    expect(rows[0]).toEqual({ succeeded: 16, booked: String(16 * 2_000) });
    await eventually('every payer message sent once', async () => ((await paymentMessages(citizen.id)) === 16 ? true : undefined));
  });

  it('dead-letters a payment while apply-payment is down, lists it for the admin, replays it, applies it once, audits the replay', async () => {
    const admin = await login('admin@demo.taxasge.gq');
    const citizen = await newCitizen();
    await shape.stopFunction('apply-payment');
    const { paymentId, checkoutUrl } = await pendingPayment(citizen.token);
    await pay(checkoutUrl);
    const dead = await eventually('the dead letter', async () => {
      const list = await call('GET', '/api/v1/admin/dead-letters?open=true', { token: admin });
      return (list.body.items as { id: string; subscription: string; type: string; attempts: number }[]).find((d) => d.subscription === 'apply-payment');
    });
    expect(dead).toMatchObject({ type: 'payment.succeeded', attempts: topology.delivery.maxDeliveryAttempts });
    // Nothing acted on the bank's word alone: no receipt, no message, nothing booked.
    expect((await call('GET', `/api/v1/payments/${paymentId}`, { token: citizen.token })).body.status).toBe('pending');
    expect((await call('GET', `/api/v1/payments/${paymentId}/receipt`, { token: citizen.token })).status).toBe(404);
    expect(await paymentMessages(citizen.id)).toBe(0);

    await shape.startFunction('apply-payment');
    expect((await call('POST', `/api/v1/admin/dead-letters/${dead.id}/replay`, { token: admin })).status).toBe(200);
    await receiptOf(citizen.token, paymentId);
    expect(await journals(paymentId)).toBe(1);
    expect((await call('POST', `/api/v1/admin/dead-letters/${dead.id}/replay`, { token: admin })).status).toBe(409);
    const audit = await call('GET', '/api/v1/admin/audit-log?action=dead_letter.replayed', { token: admin });
    expect(audit.body.items).toEqual([expect.objectContaining({ action: 'dead_letter.replayed', target: `dead_letter:${dead.id}` })]);
  });

  it.each(Object.keys(topology.jobs))('answers 2xx to the scheduled job %s, fired as Cloud Scheduler fires it', async (job) => {
    const run = await shape.runJob(job);
    expect([run.job, run.status]).toEqual([job, 200]);
  });

  it('holds the login and public rate limits, idempotency keys and review claims across instances', async () => {
    // Login: five attempts per account per minute, counted before the password is checked, in the
    // shared cache whichever instance answers (an account that has not logged in yet).
    for (let attempt = 1; ; attempt++) {
      // A new account each time: one whose tries straddled two windows carries some into the second.
      const citizen = { email: `limited-${attempt}-${Date.now()}@e2e.taxasge.gq` };
      expect(
        (await call('POST', '/api/v1/auth/register', { body: { email: citizen.email, password: PASSWORD, fullName: 'Ana Nsue', accountType: 'citizen' } }))
          .status,
      ).toBe(201);
      const window = Math.floor(Date.now() / 60_000);
      const linesBefore = processLines.length;
      const tries = [];
      for (let i = 0; i < 6; i++)
        tries.push(await call('POST', '/api/v1/auth/login', { body: { email: citizen.email, password: 'wrong-Passw0rd!' }, from: '127.0.0.21' }));
      if (Math.floor(Date.now() / 60_000) !== window) continue; // straddled two windows: try again in the new one
      if (await cacheFailedSince(linesBefore)) continue; // counted per instance this round
      expect(new Set(tries.map((t) => t.servedBy)).size).toBe(2);
      expect(tries.map((t) => t.status)).toEqual([401, 401, 401, 401, 401, 429]);
      break;
    }
    // Public routes: RATE_LIMIT_PUBLIC_PER_MINUTE (200) per client address, across both instances.
    for (let from = 30; ; from++) {
      const window = Math.floor(Date.now() / 60_000);
      const linesBefore = processLines.length;
      // Ten at a time: a flood would make the cache time out, and the limiter then counts per instance by design.
      const answers: Answer[] = [];
      for (let i = 0; i < 24; i++)
        answers.push(...(await Promise.all(Array.from({ length: 10 }, () => call('GET', '/api/v1/fiscal-services?limit=1', { from: `127.0.0.${from}` })))));
      if (Math.floor(Date.now() / 60_000) !== window) continue;
      // A busy machine can still make a cache call time out; that round counted per instance (by design,
      // test/faults/cache-down.test.ts): count again from another address.
      if (await cacheFailedSince(linesBefore)) continue;
      expect(new Set(answers.map((a) => a.servedBy)).size).toBe(2);
      expect(answers.filter((a) => a.status === 200)).toHaveLength(200);
      expect(answers.filter((a) => a.status === 429)).toHaveLength(40);
      break;
    }
    // Idempotency-Key: the second instance replays the first one's answer, and refuses another body.
    const payer = await newCitizen();
    const d = await call('POST', '/api/v1/declarations', { token: payer.token, body: { kind: 'service_fee', serviceCode: 'T-001', feeType: 'expedition' } });
    const key = { 'idempotency-key': `e2e-idem-${d.body.id}` };
    const first = await call('POST', '/api/v1/payments', { token: payer.token, body: { declarationId: d.body.id, method: 'bange_wallet' }, headers: key });
    const again = await call('POST', '/api/v1/payments', { token: payer.token, body: { declarationId: d.body.id, method: 'bange_wallet' }, headers: key });
    const other = await call('POST', '/api/v1/payments', { token: payer.token, body: { declarationId: d.body.id, method: 'bange_card' }, headers: key });
    expect(first.servedBy).not.toBe(again.servedBy);
    expect([first.status, again.status, other.status]).toEqual([201, 201, 409]);
    expect(again.body.id).toBe(first.body.id);
    // Review claims: two agents claiming at once through both instances, exactly one wins.
    const taxReturn = await call('POST', '/api/v1/declarations', {
      token: payer.token,
      body: { kind: 'tax_return', taxType: 'vat', period: '2026-07', declaredAmount: 1_000_000 },
    });
    expect((await call('POST', `/api/v1/declarations/${taxReturn.body.id}/submit`, { token: payer.token })).status).toBe(200);
    const agents = [await login('agent.m-007@demo.taxasge.gq'), await login('supervisor@demo.taxasge.gq')];
    const claims = await Promise.all(agents.map((token) => call('POST', `/api/v1/agent/declarations/${taxReturn.body.id}/claim`, { token, body: {} })));
    expect(new Set(claims.map((c) => c.servedBy)).size).toBe(2);
    expect(claims.map((c) => c.status).sort()).toEqual([200, 409]);
  });

  it('keeps receipts verifiable after the signing key is rotated out, offline and online', async () => {
    const citizen = await newCitizen();
    const { paymentId, checkoutUrl } = await pendingPayment(citizen.token);
    await pay(checkoutUrl);
    const before = await receiptOf(citizen.token, paymentId);
    const oldKid = JSON.parse(Buffer.from(before.token.split('.')[0], 'base64url').toString()).kid as string;

    // A new revision of every function signs with a new key only; the old one is gone from the secret.
    await shape.redeploy({ signingKeys: [generateSigningKey(`rotated-${Date.now()}`)] });
    expect((await call('GET', '/api/v1/auth/me', { token: citizen.token })).status).toBe(401);
    const keys = await call('GET', '/api/v1/receipts/keys');
    expect(keys.body.keys.map((k: { kid: string }) => k.kid)).toContain(oldKid);
    expect(JSON.stringify(keys.body)).not.toMatch(/"d"/);
    expect(await verifyReceiptToken(before.token, keys.body)).toMatchObject({ valid: true });
    expect((await call('POST', '/api/v1/receipts/verify', { body: { token: before.token } })).body).toMatchObject({ valid: true });

    const after = await receiptOf(await login(citizen.email), (await pendingPaymentPaid(await login(citizen.email))).paymentId);
    expect(JSON.parse(Buffer.from(after.token.split('.')[0], 'base64url').toString()).kid).not.toBe(oldKid);
  });

  // Before the metrics case, which needs the document lines; the last case stops the emulator.
  it('reads an uploaded document in process-document, told by the finalize notification the storage publishes', async () => {
    const citizen = await newCitizen();
    const d = await call('POST', '/api/v1/declarations', {
      token: citizen.token,
      body: { kind: 'tax_return', taxType: 'vat', period: '2026-10', declaredAmount: 100_000 },
    });
    const png = await printedPage(['Certificado fiscal de Malabo']);
    const slot = await call('POST', `/api/v1/declarations/${d.body.id}/documents`, {
      token: citizen.token,
      body: { filename: 'certificado.png', contentType: 'image/png', size: png.length },
    });
    expect(
      (await fetch(slot.body.upload.url as string, { method: 'PUT', headers: slot.body.upload.headers as Record<string, string>, body: new Uint8Array(png) }))
        .status,
    ).toBe(200);
    let processing: { outcome: string; provider: string; text: string } | null = null;
    for (const until = Date.now() + 30_000; !processing && Date.now() < until; await new Promise((r) => setTimeout(r, 250))) {
      processing = (await call('GET', `/api/v1/declarations/${d.body.id}/documents`, { token: citizen.token })).body.items[0].processing;
    }
    expect(processing).toMatchObject({ outcome: 'read', provider: 'tesseract' });
    expect(processing!.text).toContain('Certificado fiscal de Malabo');
    // Once uploaded (and read), the URL cannot replace the document: create-once, as Cloud Storage's
    // x-goog-if-generation-match: 0 that the production URL signs.
    const swap = await printedPage(['Documento sustituido']);
    expect(
      (await fetch(slot.body.upload.url as string, { method: 'PUT', headers: slot.body.upload.headers as Record<string, string>, body: new Uint8Array(swap) }))
        .status,
    ).toBe(412);
    // A file that is not what it claims is flagged, without OCR.
    const fake = Buffer.from('not an image at all');
    const second = await call('POST', `/api/v1/declarations/${d.body.id}/documents`, {
      token: citizen.token,
      body: { filename: 'foto.png', contentType: 'image/png', size: fake.length },
    });
    expect(
      (
        await fetch(second.body.upload.url as string, {
          method: 'PUT',
          headers: second.body.upload.headers as Record<string, string>,
          body: new Uint8Array(fake),
        })
      ).status,
    ).toBe(200);
    let flagged: { outcome: string; flags: string[] } | null = null;
    for (const until = Date.now() + 15_000; !flagged && Date.now() < until; await new Promise((r) => setTimeout(r, 250))) {
      flagged = (await call('GET', `/api/v1/declarations/${d.body.id}/documents`, { token: citizen.token })).body.items.find(
        (i: { filename: string }) => i.filename === 'foto.png',
      ).processing;
    }
    expect(flagged).toMatchObject({ outcome: 'flagged', flags: ['type_unknown'] });
    expect(processLines.some((l) => l.source.startsWith('process-document') && l.line.includes('documents_processed'))).toBe(true);
  }, 40_000);

  it('feeds every log-based metric from what the functions write: each filter matches lines, each label is extracted', async () => {
    // Traffic the cases above do not drive: a forged webhook, a reused refresh token, a forged receipt,
    // an agent's decision, a claim left to expire, a payment whose webhook never comes, reconciled.
    const forged = await fetch(`${shape.url}/webhooks/bange`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bange-signature': 't=1,v1=00' },
      body: '{}',
    });
    expect(forged.status).toBeGreaterThanOrEqual(400);
    const citizen = await newCitizen();
    const session = await call('POST', '/api/v1/auth/login', { body: { email: citizen.email, password: PASSWORD } });
    expect((await call('POST', '/api/v1/auth/refresh', { body: { refreshToken: session.body.refreshToken } })).status).toBe(200);
    expect((await call('POST', '/api/v1/auth/refresh', { body: { refreshToken: session.body.refreshToken } })).status).toBe(401);
    expect((await call('POST', '/api/v1/receipts/verify', { body: { token: 'a.b.c' } })).status).toBeLessThan(500);
    const agent = await login('agent.m-007@demo.taxasge.gq');
    const returns = [];
    for (const period of ['2026-08', '2026-09']) {
      const r = await call('POST', '/api/v1/declarations', {
        token: citizen.token,
        body: { kind: 'tax_return', taxType: 'vat', period, declaredAmount: 500_000 },
      });
      expect((await call('POST', `/api/v1/declarations/${r.body.id}/submit`, { token: citizen.token })).status).toBe(200);
      expect((await call('POST', `/api/v1/agent/declarations/${r.body.id}/claim`, { token: agent, body: {} })).status).toBe(200);
      returns.push(r.body.id as string);
    }
    expect((await call('POST', `/api/v1/agent/declarations/${returns[0]}/approve`, { token: agent, body: {} })).status).toBe(200);
    await database.db.query("UPDATE declarations SET claim_expires_at = now() - interval '1 minute' WHERE id = $1", [returns[1]]);
    expect((await shape.runJob('review-lock-expiry')).status).toBe(200);
    const unsent = await pendingPayment(citizen.token);
    await pay(unsent.checkoutUrl, '?webhook=0');
    const today = new Date(Date.now() + 3600_000).toISOString().slice(0, 10); // Africa/Malabo
    const jobs = shape.instancesOf('jobs')[0]!.url;
    const reconciled = await fetch(`${jobs}/jobs/reconcile`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Google-Cloud-Scheduler' },
      body: JSON.stringify({ date: today }),
    });
    expect(reconciled.status).toBe(200);

    const entries = processLines
      .map((l) => ({ source: l.source, entry: logEntryOf(l.line) }))
      .filter((e): e is { source: string; entry: LogEntry } => e.entry !== undefined);
    const report = (METRICS as readonly MetricDefinition[])
      .filter((m) => m.cloud === 'log-based')
      .map((m) => {
        const lm = logMetricOf(m);
        const matched = entries.filter((e) => matchesLogFilter(lm.filter, e.entry));
        const unlabelled = matched.filter((e) => m.labels.some((l) => extractFromLog(lm.labelExtractors[l]!, e.entry) === undefined));
        const valueless = lm.valueExtractor ? matched.filter((e) => !Number.isFinite(Number(extractFromLog(lm.valueExtractor!, e.entry)))) : [];
        return {
          metric: m.name,
          lines: matched.length > 0,
          unlabelled: unlabelled.length,
          valueless: valueless.length,
          from: [...new Set(matched.map((e) => e.source.split('#')[0]))].sort(),
        };
      });
    expect(report.filter((r) => !r.lines || r.unlabelled || r.valueless)).toEqual([]);
    // Logged by the functions that do the work, not by one place: at least five functions write metric lines.
    expect(new Set(report.flatMap((r) => r.from)).size).toBeGreaterThanOrEqual(5);
  });

  it('shows on /metrics, scraped by Prometheus, what every function of the fleet handled, not what the answering instance did', async () => {
    const target = new URL(shape.url).host;
    const prometheus = await startPrometheus(
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 900ms',
        'scrape_configs:',
        '  - job_name: taxasge',
        '    static_configs:',
        `      - targets: ['${target}']`,
        '',
      ].join('\n'),
    );
    try {
      const query = async (promql: string) =>
        (
          await prometheus.api<{ data: { result: { metric: Record<string, string>; value: [number, string] }[] } }>(
            `/api/v1/query?query=${encodeURIComponent(promql)}`,
          )
        ).data.result;
      // Registrations went to both auth instances; the sum Prometheus reads equals the accounts created.
      const { rows } = await database.db.query<{ n: number }>("SELECT count(*)::int AS n FROM users WHERE email LIKE '%@e2e.taxasge.gq'");
      const groups = await eventually(
        'request counters of the fleet in Prometheus',
        async () => {
          const registered = await query('sum(taxasge_http_requests_total{route="/api/v1/auth/register",status="201"})');
          if (Number(registered[0]?.value[1]) !== rows[0]!.n) return undefined;
          return (await query('sum by (group) (taxasge_http_requests_total)')).map((r) => r.metric.group!);
        },
        // Fleet counters are published every 2 s and scraped every 1 s; the rest is a busy machine's delay.
        45_000,
      );
      // Counted by functions other than the metrics function that answers the scrape.
      expect(groups.filter((g) => g !== 'metrics').length).toBeGreaterThanOrEqual(3);
    } finally {
      await prometheus.stop();
    }
  });

  it('refunds through the finance API once: the sandbox answers with a payment.refunded webhook, applied once, and the receipt verifies as voided', async () => {
    const citizen = await newCitizen();
    const { declarationId, paymentId, checkoutUrl } = await pendingPayment(citizen.token);
    await pay(checkoutUrl);
    const receipt = await receiptOf(citizen.token, paymentId);
    const agent = await login('agent.m-001@demo.taxasge.gq');
    expect((await call('POST', `/api/v1/agent/declarations/${declarationId}/claim`, { token: agent })).status).toBe(200);
    expect(
      (await call('POST', `/api/v1/agent/declarations/${declarationId}/reject`, { token: agent, body: { reason: 'Not the right service', comment: 'e2e' } }))
        .status,
    ).toBe(200);

    const finance = await login('finance@demo.taxasge.gq');
    const refund = { token: finance, body: { paymentId, amount: 2000, reason: 'rejected' }, headers: { 'idempotency-key': `e2e-refund-${paymentId}` } };
    expect((await call('POST', '/api/v1/finance/refunds', refund)).status).toBe(201);
    expect((await call('POST', '/api/v1/finance/refunds', refund)).headers['idempotent-replayed']).toBe('true');

    // BANGE's webhook for that refund, stored by the webhooks function and taken by apply-payment.
    await eventually('the payment.refunded webhook applied', async () => {
      const { rows } = await database.db.query(
        `SELECT 1 FROM webhook_events w JOIN event_outbox o ON o.event->'data'->>'webhookEventId' = w.id
           JOIN processed_events p ON p.event_id = o.id::text AND p.subscription = 'apply-payment'
          WHERE w.payment_id = $1 AND w.type = 'payment.refunded' AND w.status = 'accepted'`,
        [paymentId],
      );
      return rows.length ? true : undefined;
    });
    const booked = await database.db.query<{ refunds: number; journals: number }>(
      "SELECT (SELECT count(*)::int FROM refunds WHERE payment_id = $1 AND status = 'succeeded') AS refunds, (SELECT count(*)::int FROM ledger_journals WHERE kind = 'refund' AND payment_id = $1) AS journals",
      [paymentId],
    );
    expect(booked.rows[0]).toEqual({ refunds: 1, journals: 1 });
    expect((await call('GET', `/api/v1/payments/${paymentId}`, { token: citizen.token })).body.status).toBe('refunded');
    expect((await call('GET', `/api/v1/declarations/${declarationId}`, { token: citizen.token })).body.status).toBe('refunded');
    expect((await call('POST', '/api/v1/receipts/verify', { body: { token: receipt.token } })).body).toMatchObject({
      valid: true,
      status: 'voided',
      voidReason: 'refunded',
    });
  });

  // Last: it stops the emulator.
  it('reports pubsub in readiness, and answers 503 naming it when Pub/Sub is down', async () => {
    const ready = await call('GET', '/health/ready');
    expect([ready.status, ready.body.checks.pubsub.status]).toEqual([200, 'up']);
    await shape.emulator.stop();
    const down = await call('GET', '/health/ready');
    expect(down.status).toBe(503);
    expect(down.body.failing).toContain('pubsub');
  });
});

async function pendingPaymentPaid(token: string) {
  const p = await pendingPayment(token);
  await pay(p.checkoutUrl);
  return p;
}
