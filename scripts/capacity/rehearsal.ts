/**
 * The deadline-day rehearsal: the deployed shape on this machine (every function its own process, Pub/Sub emulator,
 * BANGE sandbox, Upstash bridge over a private Redis), the model's deadline mix of visits started open-loop at a
 * fixed rate for a while, then latency, errors and the CPU each function and PostgreSQL spent per request beside
 * the model's per-request costs.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { findFreePort } from '../../shared/adapters/db/embedded-postgres';
import { postgresCpuMs, processCpuMs, summarise } from '../../bench/lib/load';
import { startDeployedShape, type DeployedShape } from '../deployed/deployed-shape';
import { OPERATIONS, type Operation } from './flows';
import { flowsPerDay, operationsOf } from './model';
import type { UnitCost } from './unit-costs';

const PASSWORD = 'Rehearsal-Passw0rd!';
const TOLERANCE = 0.3;

export interface RehearsalOptions {
  /** Requests a second to the public origin (visits are started to give this rate). */
  rate: number;
  seconds: number;
  costs: Record<Operation, UnitCost>;
  log: (line: string) => void;
}

interface Call {
  op: Operation;
  ms: number;
  status: number;
}

async function startRedis(): Promise<{ child: ChildProcess; url: string; port: number }> {
  const port = await findFreePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try {
      if (
        execFileSync('redis-cli', ['-p', String(port), 'PING'])
          .toString()
          .includes('PONG')
      )
        return { child, url: `redis://127.0.0.1:${port}`, port };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('redis-server did not start (the rehearsal needs it: apt-get install redis-server)');
}

const redisCalls = (port: number) =>
  execFileSync('redis-cli', ['-p', String(port), 'INFO', 'commandstats'])
    .toString()
    .split('\n')
    .filter((l) => l.startsWith('cmdstat_') && !/^cmdstat_(info|ping|multi|exec)/.test(l))
    .reduce((s, l) => s + Number(/calls=(\d+)/.exec(l)?.[1] ?? 0), 0);

/** A seeded generator, so two rehearsals replay the same visits. */
function random(seed: number) {
  let s = seed;
  return () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

export async function rehearse(options: RehearsalOptions): Promise<{ markdown: string; withinTolerance: boolean }> {
  const { log } = options;
  const baseUrl = process.env.DATABASE_URL;
  if (!baseUrl) throw new Error('the rehearsal needs DATABASE_URL (a PostgreSQL where it may create a database)');
  const dbName = `taxasge_rehearsal_${process.pid}`;
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(baseUrl);
  url.pathname = `/${dbName}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'taxasge-rehearsal-'));
  const redis = await startRedis();
  let shape: DeployedShape | undefined;
  let db: Client | undefined;
  try {
    shape = await startDeployedShape({
      dataDir,
      instances: 1,
      databaseUrl: url.toString(),
      redisUrl: redis.url,
      distDir: path.join(dataDir, 'dist'),
      demoPassword: PASSWORD,
      logLevel: 'warning',
      cron: false,
      extraEnv: { RATE_LIMIT_PUBLIC_PER_MINUTE: '1000000', RATE_LIMIT_REGISTRATIONS_PER_HOUR: '1000000' },
      log,
    });
    db = new Client({ connectionString: url.toString() });
    await db.connect();
    const base = shape.url;
    const http = async (op: Operation | null, method: string, p: string, body?: unknown, token?: string, headers: Record<string, string> = {}) => {
      const t0 = performance.now();
      const res = await fetch(p.startsWith('http') ? p : `${base}${p}`, {
        method,
        headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        body: body ? JSON.stringify(body) : null,
      });
      const text = await res.text();
      if (op) calls.push({ op, ms: performance.now() - t0, status: res.status });
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    };
    const calls: Call[] = [];
    const login = async (email: string, op: Operation | null) =>
      (await http(op, 'POST', '/api/v1/auth/login', { email, password: PASSWORD })).body.accessToken as string;

    log('accounts for the visits…');
    const citizens: string[] = [];
    for (let i = 0; i < 20; i++) {
      const email = `rehearsal-${i}@rehearsal.taxasge.gq`;
      const r = await http(null, 'POST', '/api/v1/auth/register', {
        email,
        password: PASSWORD,
        fullName: `Ciudadano ${i}`,
        accountType: 'business',
        taxId: `GQ${String(100000 + i)}`,
      });
      if (r.status !== 201) throw new Error(`register answered ${r.status}: ${JSON.stringify(r.body)}`);
      citizens.push(email);
    }
    const agentToken = await login('agent.m-007@demo.taxasge.gq', null);
    const rnd = random(20);
    let period = 0;
    const receiptLatency: number[] = [];

    const payAndWait = async (token: string, declarationId: string) => {
      const p = await http('payment.create', 'POST', '/api/v1/payments', { declarationId, method: 'bange_card' }, token, {
        'idempotency-key': `r-${declarationId}`,
      });
      if (p.status !== 201) return;
      await http('payment.get', 'GET', `/api/v1/payments/${p.body.id as string}`, undefined, token);
      const paidAt = performance.now();
      await fetch(`${p.body.checkoutUrl as string}/pay`, { method: 'POST' });
      for (let i = 0; i < 300; i++) {
        const r = await http('receipt.get', 'GET', `/api/v1/payments/${p.body.id as string}/receipt`, undefined, token);
        if (r.status === 200) {
          receiptLatency.push(performance.now() - paidAt);
          break;
        }
        await new Promise((res) => setTimeout(res, 100));
      }
      await http('payment.get', 'GET', `/api/v1/payments/${p.body.id as string}`, undefined, token);
    };
    const catalog = async (n: number) => {
      const queries = ['legalizacion', 'pasaporte', 'licencia', 'certificado', 'registro'];
      for (let i = 0; i < n; i++) {
        const q = queries[Math.floor(rnd() * queries.length)]!;
        await http('catalog.read', 'GET', i % 2 ? `/api/v1/fiscal-services?q=${q}&limit=20` : `/api/v1/fiscal-services/T-00${1 + Math.floor(rnd() * 9)}`);
      }
    };
    const visit = {
      browse: () => catalog(3),
      serviceFee: async () => {
        await catalog(4);
        const token = await login(citizens[Math.floor(rnd() * citizens.length)]!, 'auth.login');
        await http('auth.me', 'GET', '/api/v1/auth/me', undefined, token);
        const d = await http('declaration.create', 'POST', '/api/v1/declarations', { kind: 'service_fee', serviceCode: 'T-001', feeType: 'expedition' }, token);
        if (d.status !== 201) return;
        await http('declaration.get', 'GET', `/api/v1/declarations/${d.body.id as string}`, undefined, token);
        await payAndWait(token, d.body.id as string);
        await http('declaration.get', 'GET', `/api/v1/declarations/${d.body.id as string}`, undefined, token);
        await http('declaration.list', 'GET', '/api/v1/declarations?limit=20', undefined, token);
      },
      taxReturn: async () => {
        await catalog(1);
        const token = await login(citizens[Math.floor(rnd() * citizens.length)]!, 'auth.login');
        await http('auth.me', 'GET', '/api/v1/auth/me', undefined, token);
        const n = period++;
        const p = `${1990 + (Math.floor(n / 12) % 36)}-${String((n % 12) + 1).padStart(2, '0')}`;
        const d = await http(
          'declaration.create',
          'POST',
          '/api/v1/declarations',
          { kind: 'tax_return', taxType: n % 2 ? 'vat' : 'withholding', period: p, declaredAmount: 150_000 },
          token,
        );
        if (d.status !== 201) return;
        const id = d.body.id as string;
        await http('declaration.submit', 'POST', `/api/v1/declarations/${id}/submit`, {}, token);
        await http('declaration.list', 'GET', '/api/v1/declarations?limit=20', undefined, token);
        await http('agent.queue', 'GET', '/api/v1/agent/queue?limit=20', undefined, agentToken);
        await http('agent.claim', 'POST', `/api/v1/agent/declarations/${id}/claim`, {}, agentToken);
        await http('declaration.get', 'GET', `/api/v1/declarations/${id}`, undefined, agentToken);
        await http('agent.approve', 'POST', `/api/v1/agent/declarations/${id}/approve`, {}, agentToken);
        await http('agent.queue', 'GET', '/api/v1/agent/queue?limit=20', undefined, agentToken);
        await http('declaration.get', 'GET', `/api/v1/declarations/${id}`, undefined, token);
        await payAndWait(token, id);
        await http('declaration.list', 'GET', '/api/v1/declarations?limit=20', undefined, token);
        await http('declaration.get', 'GET', `/api/v1/declarations/${id}`, undefined, token);
      },
    };

    // The deadline day's visits in the model's proportions, started to give the requested rate.
    const perDay = flowsPerDay('annual-deadline');
    const modelOps = operationsOf(perDay).ops;
    const httpPerDay = (Object.keys(modelOps) as Operation[])
      .filter((o) => !o.startsWith('event.') && o !== 'job.run' && o !== 'health.check')
      .reduce((s, o) => s + modelOps[o], 0);
    const visitsPerS = options.rate / (httpPerDay / Object.values(perDay).reduce((a, b) => a + b, 0));
    const weights = Object.entries(perDay) as [keyof typeof visit, number][];
    const total = weights.reduce((s, [, w]) => s + w, 0);
    const pick = () => {
      let x = rnd() * total;
      for (const [k, w] of weights) if ((x -= w) < 0) return k;
      return weights[0]![0];
    };

    const pids = Object.fromEntries(
      Object.values(OPERATIONS)
        .map((o) => o.fn)
        .map((fn) => [fn, shape!.instancesOf(fn).map((p) => p.child.pid!)]),
    );
    const fnCpu = () => Object.fromEntries(Object.entries(pids).map(([fn, ps]) => [fn, ps.reduce((s, pid) => s + (processCpuMs(pid) ?? 0), 0)]));
    // Deliveries: one per published event and subscription (the emulator's rare redeliveries are not counted).
    const processed = async () =>
      Object.fromEntries(
        (await db!.query<{ topic: string; n: number }>('SELECT topic, count(*)::int AS n FROM event_outbox GROUP BY 1')).rows.map((r) => [r.topic, r.n]),
      );
    const webhooksStored = async () => (await db!.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_events')).rows[0]!.n;

    let errors = 0;
    let started = 0;
    const drive = async (seconds: number) => {
      const t0 = performance.now();
      const running: Promise<void>[] = [];
      let begun = 0;
      while (performance.now() - t0 < seconds * 1000) {
        const due = Math.floor(((performance.now() - t0) / 1000) * visitsPerS);
        while (begun < due) {
          begun++;
          running.push(visit[pick()]().catch(() => void errors++));
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      await Promise.all(running);
      return begun;
    };
    // A warm-up at the same rate (JIT, pools, caches), then what the idle processes burn, then the measured window.
    log(
      `warm-up 15 s, idle 5 s, then ${options.seconds} s at ${options.rate} requests/s (${visitsPerS.toFixed(2)} visits/s; ${cpus().length} cores, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')})`,
    );
    await drive(15);
    await new Promise((r) => setTimeout(r, 3000));
    const idle0 = { cpu: fnCpu(), pg: postgresCpuMs(), t: performance.now() };
    await new Promise((r) => setTimeout(r, 5000));
    const idle1 = { cpu: fnCpu(), pg: postgresCpuMs(), t: performance.now() };
    const idleMsPerS = (a: number, b: number) => ((b - a) / (idle1.t - idle0.t)) * 1000;
    calls.length = 0;
    receiptLatency.length = 0;
    errors = 0;
    const before = { cpu: fnCpu(), pg: postgresCpuMs(), redis: redisCalls(redis.port), processed: await processed(), webhooks: await webhooksStored() };
    const t0 = performance.now();
    started = await drive(options.seconds);
    const driven = (performance.now() - t0) / 1000;
    if (Number.isNaN(driven)) {
      throw new Error('unreachable');
    }
    // Let the last events drain before reading the consumers' CPU.
    await new Promise((r) => setTimeout(r, 3000));
    const wall = (performance.now() - t0) / 1000;
    log(`driven ${driven.toFixed(0)} s, drained ${(wall - driven).toFixed(0)} s`);
    const after = { cpu: fnCpu(), pg: postgresCpuMs(), redis: redisCalls(redis.port), processed: await processed(), webhooks: await webhooksStored() };

    const counts = Object.fromEntries((Object.keys(OPERATIONS) as Operation[]).map((o) => [o, calls.filter((c) => c.op === o).length])) as Record<
      Operation,
      number
    >;
    const delivered = (sub: string) => (after.processed[sub] ?? 0) - (before.processed[sub] ?? 0);
    counts['webhook.bange'] = after.webhooks - before.webhooks;
    counts['event.apply-payment'] = delivered('payment-events');
    counts['event.issue-receipt'] = delivered('payment-applied');
    counts['event.notify-payer'] = delivered('payment-applied');
    counts['event.notifications'] = delivered('declaration-events');

    const rows: string[] = [];
    let within = true;
    const fns = [...new Set((Object.keys(OPERATIONS) as Operation[]).filter((o) => counts[o] > 0).map((o) => OPERATIONS[o].fn))];
    for (const fn of fns) {
      const ops = (Object.keys(OPERATIONS) as Operation[]).filter((o) => OPERATIONS[o].fn === fn && counts[o] > 0);
      const n = ops.reduce((s, o) => s + counts[o], 0);
      const predicted = ops.reduce((s, o) => s + counts[o] * options.costs[o].cpuMs, 0) / n;
      // What the process burns idle (timers, pools, the Pub/Sub client) is not a request's cost: measured before, taken off.
      const measured = (after.cpu[fn]! - before.cpu[fn]! - idleMsPerS(idle0.cpu[fn]!, idle1.cpu[fn]!) * wall) / n;
      const ratio = measured / predicted;
      const ok = Math.abs(ratio - 1) <= TOLERANCE;
      within &&= ok;
      rows.push(
        `| ${fn} | ${ops.map((o) => `${o} ${counts[o]}`).join(', ')} | ${predicted.toFixed(2)} | ${measured.toFixed(2)} | ${ratio.toFixed(2)} | ${ok ? 'within ±30 %' : 'OUTSIDE ±30 %'} |`,
      );
    }
    const allOps = Object.keys(OPERATIONS) as Operation[];
    const pgPredicted = allOps.reduce((s, o) => s + counts[o] * options.costs[o].pgCpuMs, 0);
    const pgMeasured = after.pg - before.pg - idleMsPerS(idle0.pg, idle1.pg) * wall;
    const pgOk = Math.abs(pgMeasured / pgPredicted - 1) <= TOLERANCE;
    within &&= pgOk;
    const upstashPredicted = counts['catalog.read'] * 4.05 + counts['auth.login'] * 4 + counts['webhook.bange'] * 2;
    const upstashMeasured = after.redis - before.redis;

    const latencyRows = allOps
      .filter((o) => calls.some((c) => c.op === o))
      .map((o) => {
        const mine = calls.filter((c) => c.op === o);
        const s = summarise(mine.map((c) => c.ms));
        const bad = mine.filter((c) => c.status >= 500 || c.status === 0).length;
        // 404s of receipt.get are the polls before the receipt exists, as a payer's app would poll.
        const other = mine.filter((c) => c.status >= 400 && c.status < 500).length;
        return `| ${o} | ${mine.length} | ${s.p50} | ${s.p95} | ${s.p99} | ${bad} | ${other} |`;
      });
    const receipt = summarise(receiptLatency);
    const served = calls.length;
    const fivexx = calls.filter((c) => c.status >= 500).length;
    const markdown = [
      `Rehearsal of ${new Date().toISOString()}: ${started} visits in ${wall.toFixed(0)} s (${(served / wall).toFixed(1)} requests/s to the public origin, offered ${options.rate}/s), ${cpus().length} cores shared with other work (load average at the end ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}); ${fivexx} answers 5xx, ${errors} visits failed.`,
      '',
      `Webhook → receipt (the payer presses Pay at the sandbox until the receipt answers, polled every 100 ms): p50 ${receipt.p50} ms, p95 ${receipt.p95} ms, p99 ${receipt.p99} ms over ${receipt.count} payments.`,
      '',
      '| operation | requests | p50 ms | p95 ms | p99 ms | 5xx | 4xx |',
      '| --- | --: | --: | --: | --: | --: | --: |',
      ...latencyRows,
      '',
      '| function | requests and deliveries | model CPU ms/req | measured CPU ms/req | measured / model | |',
      '| --- | --- | --: | --: | --: | --- |',
      ...rows,
      `| PostgreSQL (every postgres process of the machine) | all of the above | ${(pgPredicted / served).toFixed(2)} per request | ${(pgMeasured / served).toFixed(2)} per request | ${(pgMeasured / pgPredicted).toFixed(2)} | ${pgOk ? 'within ±30 %' : 'OUTSIDE ±30 %'} |`,
      `| Upstash (Redis commands behind the REST bridge) | all of the above | ${upstashPredicted.toFixed(0)} commands | ${upstashMeasured} commands | ${(upstashMeasured / upstashPredicted).toFixed(2)} | |`,
    ].join('\n');
    return { markdown, withinTolerance: within };
  } finally {
    await db?.end();
    await shape?.close();
    redis.child.kill('SIGTERM');
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
