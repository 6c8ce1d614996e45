/**
 * The calibration (`npm run capacity -- --calibrate`): on the rehearsal's stand (stand.ts), each operation of the flows
 * driven alone, open-loop, at three rates, and what its function's one instance spent per request (CPU, idle burn
 * taken off) and PostgreSQL per request; the event consumers through the payment flow (the payer pays at the BANGE
 * sandbox). Writes bench/results/calibration.json, which the model fits its cost curves to. Never the rehearsal's
 * own figures: the rehearsal then checks the model against a different run.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { CALIBRATION_FILE, type CalibrationResults, type CalibrationSample } from './calibration-file';
import { startContentionProbe } from './contention';
import { OPERATIONS, type Operation } from './flows';
import { AGENT, PASSWORD, startStand, type Counters, type Reading, type Stand } from './stand';

/** A rate level: most operations at `rate` for `seconds`; logins (170 ms of scrypt each) and payments (a whole pipeline each) lower. */
export interface Level {
  rate: number;
  seconds: number;
  login: number;
  loginSeconds: number;
  pay: number;
  paySeconds: number;
}

export const LEVELS: Level[] = [
  // Payments as low as 0.5/s: a deadline rehearsal here runs the pipeline at 0.5-0.7/s, and below the lowest point the curve only extrapolates.
  { rate: 2, seconds: 6, login: 1, loginSeconds: 8, pay: 0.5, paySeconds: 16 },
  { rate: 8, seconds: 4, login: 2, loginSeconds: 5, pay: 3, paySeconds: 6 },
  { rate: 30, seconds: 3, login: 4, loginSeconds: 4, pay: 8, paySeconds: 4 },
];
const WARM_UP: Level = { rate: 8, seconds: 2, login: 2, loginSeconds: 2, pay: 4, paySeconds: 2 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `n` calls `rate` a second, open-loop (each on time whether or not the earlier ones answered); resolves when all answered. */
async function paced(rate: number, n: number, call: (i: number) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  const running: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    running.push(call(i).catch(() => undefined));
  }
  await Promise.all(running);
  return n / rate;
}

interface Owned {
  id: string;
  token: string;
}

export async function calibrate(options: { log: (line: string) => void; levels?: Level[] }): Promise<CalibrationResults> {
  const { log } = options;
  const levels = options.levels ?? LEVELS;
  const loadBefore = loadavg();
  const stand = await startStand({ accounts: 40, log });
  try {
    return await run(stand, levels, log, loadBefore);
  } finally {
    await stand.close();
  }
}

async function run(stand: Stand, levels: Level[], log: (line: string) => void, loadBefore: number[]): Promise<CalibrationResults> {
  const { client } = stand;
  const tokens: string[] = [];
  for (const [i, email] of stand.citizens.entries()) tokens.push(await stand.login(email, 1000 + i));
  const agentToken = await stand.login(AGENT, 999);
  const account = (i: number) => i % stand.citizens.length;
  let period = 0;
  let from = 0;
  let logins = 0;

  // What one step leaves for the next: fees awaiting payment, tax returns in draft, submitted, in review; payments.
  const fees: Owned[] = [];
  const drafts: Owned[] = [];
  const submitted: Owned[] = [];
  const claimed: Owned[] = [];
  const created: Owned[] = [];
  const payments: (Owned & { checkoutUrl: string })[] = [];
  const paid: Owned[] = [];

  const queries = ['legalizacion', 'pasaporte', 'licencia', 'certificado', 'registro'];
  const actions: Record<Exclude<Operation, `event.${string}` | 'webhook.bange' | 'job.run' | 'health.check'>, (i: number) => Promise<unknown>> = {
    'catalog.read': (i) =>
      client.request(
        'catalog.read',
        'GET',
        i % 2 ? `/api/v1/fiscal-services?q=${queries[i % queries.length]}&limit=20` : `/api/v1/fiscal-services/T-00${1 + (i % 9)}`,
        {
          from: from++,
        },
      ),
    'auth.login': () =>
      client.request('auth.login', 'POST', '/api/v1/auth/login', { body: { email: stand.citizens[account(logins++)], password: PASSWORD }, from: from++ }),
    'auth.me': (i) => client.request('auth.me', 'GET', '/api/v1/auth/me', { token: tokens[account(i)], from: from++ }),
    'declaration.create': async (i) => {
      const token = tokens[account(i)]!;
      const fee = i % 2 === 0;
      const n = period++;
      const body = fee
        ? { kind: 'service_fee', serviceCode: 'T-001', feeType: 'expedition' }
        : {
            kind: 'tax_return',
            taxType: n % 2 ? 'vat' : 'withholding',
            period: `${1990 + (Math.floor(n / 12) % 36)}-${String((n % 12) + 1).padStart(2, '0')}`,
            declaredAmount: 150_000,
          };
      const r = await client.request('declaration.create', 'POST', '/api/v1/declarations', { body, token, from: from++ });
      if (r.status !== 201) return;
      const owned = { id: r.body.id as string, token };
      created.push(owned);
      (fee ? fees : drafts).push(owned);
    },
    'declaration.submit': async () => {
      const d = drafts.shift();
      if (!d) return;
      const r = await client.request('declaration.submit', 'POST', `/api/v1/declarations/${d.id}/submit`, { body: {}, token: d.token, from: from++ });
      if (r.status < 300) submitted.push(d);
    },
    'declaration.get': (i) => {
      const d = created[i % created.length]!;
      return client.request('declaration.get', 'GET', `/api/v1/declarations/${d.id}`, { token: d.token, from: from++ });
    },
    'declaration.list': (i) => client.request('declaration.list', 'GET', '/api/v1/declarations?limit=20', { token: tokens[account(i)], from: from++ }),
    'agent.queue': () => client.request('agent.queue', 'GET', '/api/v1/agent/queue?limit=20', { token: agentToken, from: from++ }),
    'agent.claim': async () => {
      const d = submitted.shift();
      if (!d) return;
      const r = await client.request('agent.claim', 'POST', `/api/v1/agent/declarations/${d.id}/claim`, { body: {}, token: agentToken, from: from++ });
      if (r.status < 300) claimed.push(d);
    },
    'agent.approve': async () => {
      const d = claimed.shift();
      if (d) await client.request('agent.approve', 'POST', `/api/v1/agent/declarations/${d.id}/approve`, { body: {}, token: agentToken, from: from++ });
    },
    'payment.create': async () => {
      const d = fees.shift();
      if (!d) return;
      const r = await client.request('payment.create', 'POST', '/api/v1/payments', {
        body: { declarationId: d.id, method: 'bange_card' },
        token: d.token,
        headers: { 'idempotency-key': `c-${d.id}` },
        from: from++,
      });
      if (r.status === 201) payments.push({ id: r.body.id as string, token: d.token, checkoutUrl: r.body.checkoutUrl as string });
    },
    'payment.get': (i) => {
      const p = paid[i % paid.length]!;
      return client.request('payment.get', 'GET', `/api/v1/payments/${p.id}`, { token: p.token, from: from++ });
    },
    'receipt.get': (i) => {
      const p = paid[i % paid.length]!;
      return client.request('receipt.get', 'GET', `/api/v1/payments/${p.id}/receipt`, { token: p.token, from: from++ });
    },
  };
  const pay = async () => {
    const p = payments.shift();
    if (!p) return;
    await client.request(null, 'POST', `${p.checkoutUrl}/pay`, { from: from++ });
    paid.push(p);
  };

  let idle: Record<string, number> = {};
  const samples: CalibrationSample[] = [];
  const diff = (a: Record<string, number>, b: Record<string, number>, key: string) => (b[key] ?? 0) - (a[key] ?? 0);
  /** Drives one thing alone, waits for what it set off, and records a sample for each function that served. */
  const window = async (what: Operation | 'payment flow', rate: number, n: number, call: (i: number) => Promise<unknown>, record: boolean) => {
    const c0: Counters = await stand.counters();
    const calls0 = client.calls.length;
    const m0: Reading = stand.read();
    const seconds = await paced(rate, n, call);
    // The consumers of what it published (declaration events; for a payment the whole pipeline) finish.
    const receipts = (c0.handled['issue-receipt'] ?? 0) + n;
    for (let i = 0; what === 'payment flow' && i < 100 && ((await stand.counters()).handled['issue-receipt'] ?? 0) < receipts; i++) await sleep(200);
    await sleep(1500);
    const m1 = stand.read();
    const c1 = await stand.counters();
    if (!record) return;
    const dt = m1.t - m0.t;
    const spent = (fn: string) => m1.cpu[fn]! - m0.cpu[fn]! - ((idle[fn] ?? 0) * dt) / 1000;
    const pg = m1.pg - m0.pg - ((idle.postgres ?? 0) * dt) / 1000;
    const served: { op: Operation; count: number; pgHere: boolean }[] =
      what === 'payment flow'
        ? [
            { op: 'webhook.bange', count: c1.webhooks - c0.webhooks, pgHere: true },
            { op: 'event.apply-payment', count: diff(c0.published, c1.published, 'payment-events'), pgHere: false },
            { op: 'event.issue-receipt', count: diff(c0.published, c1.published, 'payment-applied'), pgHere: false },
            { op: 'event.notify-payer', count: diff(c0.published, c1.published, 'payment-applied'), pgHere: false },
          ]
        : [{ op: what, count: client.calls.slice(calls0).filter((c) => c.op === what && c.status < 400).length, pgHere: true }];
    // Declaration events (and notices) reach the notifications function whatever was driven.
    served.push({
      op: 'event.notifications',
      count: diff(c0.published, c1.published, 'declaration-events') + diff(c0.published, c1.published, 'notifications'),
      pgHere: false,
    });
    const failed = client.calls.slice(calls0).filter((c) => c.status >= 400).length;
    const dbRate = Math.round((served.reduce((sum, s) => sum + s.count, 0) / seconds) * 100) / 100;
    for (const s of served) {
      if (s.count < 4) continue;
      const fn = OPERATIONS[s.op].fn;
      const sample: CalibrationSample = {
        op: s.op,
        fn,
        rate: Math.round((s.count / seconds) * 100) / 100,
        requests: s.count,
        seconds: Math.round(seconds * 10) / 10,
        cpuMsPerRequest: Math.round((spent(fn) / s.count) * 1000) / 1000,
        pgCpuMsPerRequest: s.pgHere ? Math.round((pg / s.count) * 1000) / 1000 : null,
        ...(s.pgHere ? { dbRate } : {}),
      };
      samples.push(sample);
      log(
        `  ${s.op.padEnd(20)} ${sample.rate.toFixed(1).padStart(5)}/s × ${String(s.count).padStart(3)}: ${sample.cpuMsPerRequest.toFixed(2)} ms CPU${
          sample.pgCpuMsPerRequest === null ? '' : `, PostgreSQL ${sample.pgCpuMsPerRequest.toFixed(2)} ms`
        }${failed && s.pgHere ? ` (${failed} answers ≥ 400 not counted)` : ''}`,
      );
    }
  };

  const pass = async (level: Level, record: boolean) => {
    const n = (rate: number, seconds: number) => Math.max(4, Math.round(rate * seconds));
    const N = n(level.rate, level.seconds);
    const order: Operation[] = [
      'catalog.read',
      'auth.me',
      'declaration.create',
      'declaration.submit',
      'declaration.get',
      'declaration.list',
      'agent.queue',
      'agent.claim',
      'agent.approve',
      'payment.create',
    ];
    for (const op of order) {
      // Twice the creates: half of them fees (to pay), half tax returns (to submit, claim, approve).
      await window(op, level.rate, op === 'declaration.create' ? 2 * N : N, actions[op as keyof typeof actions], record);
    }
    await window('auth.login', level.login, n(level.login, level.loginSeconds), actions['auth.login'], record);
    await window('payment flow', level.pay, Math.min(payments.length, n(level.pay, level.paySeconds)), pay, record);
    await window('payment.get', level.rate, N, actions['payment.get'], record);
    await window('receipt.get', level.rate, N, actions['receipt.get'], record);
  };

  log('warm-up: every operation once through at 8/s');
  await pass(WARM_UP, false);
  await sleep(2000);
  idle = await stand.measureIdle(12);
  log(
    `idle burn (ms/s): ${Object.entries(idle)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(', ')}`,
  );
  const probe = startContentionProbe();
  for (const level of levels) {
    log(
      `rate ${level.rate}/s (logins ${level.login}/s, payments ${level.pay}/s; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')})`,
    );
    await pass(level, true);
  }
  const probeCpuMs = probe.median();
  probe.stop();
  log(`the fixed work of contention.ts took ${probeCpuMs} ms of CPU (median)`);
  return {
    date: new Date().toISOString(),
    machine: { nproc: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', loadBefore, loadAfter: loadavg() },
    postgres: stand.postgresSource,
    probeCpuMs,
    idleMsPerS: Object.fromEntries(Object.entries(idle).map(([k, v]) => [k, Math.round(v * 100) / 100])),
    samples,
  };
}

export function writeCalibration(results: CalibrationResults, file = CALIBRATION_FILE): void {
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}
