/**
 * The deadline-day rehearsal: the deployed shape on this machine (every function its own process, Pub/Sub emulator,
 * BANGE sandbox, Upstash bridge over a private Redis), the model's deadline mix of visits started open-loop at a
 * fixed rate for a while, then latency, errors and the CPU each function and PostgreSQL spent per request beside
 * the model's per-request costs.
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { summarise } from '../../bench/lib/load';
import { startContentionProbe } from './contention';
import { OPERATIONS, type Operation } from './flows';
import { flowsPerDay, operationsOf } from './model';
import { AGENT, PASSWORD, startStand } from './stand';
import { costsAt, type UnitCost } from './unit-costs';

const TOLERANCE = 0.3;

export interface RehearsalOptions {
  /** Requests a second to the public origin (visits are started to give this rate). */
  rate: number;
  seconds: number;
  costs: Record<Operation, UnitCost>;
  /** The calibration's median CPU ms of contention.ts's fixed work, to compare at the same machine speed. */
  calibrationProbeCpuMs?: number;
  log: (line: string) => void;
}

/** A seeded generator, so two rehearsals replay the same visits. */
function random(seed: number) {
  let s = seed;
  return () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

export async function rehearse(options: RehearsalOptions): Promise<{ markdown: string; withinTolerance: boolean }> {
  const { log } = options;
  // 40 accounts: the login limit (5 a minute per account) is never what a visit meets at these rates.
  const stand = await startStand({ accounts: 40, log });
  try {
    const { client } = stand;
    const calls = client.calls;
    let visitNo = 0;
    /** Each visit comes from its own address, as people do: the per-address limits see many clients. */
    const visitor = () => {
      const from = visitNo++;
      const http = (op: Operation | null, method: string, p: string, body?: unknown, token?: string, headers: Record<string, string> = {}) =>
        client.request(op, method, p, { body, token, headers, from });
      const login = async (email: string, op: Operation | null) =>
        (await http(op, 'POST', '/api/v1/auth/login', { email, password: PASSWORD })).body.accessToken as string;
      return { http, login };
    };
    const citizens = stand.citizens;
    let nextCitizen = 0;
    const citizen = () => citizens[nextCitizen++ % citizens.length]!;
    const agentToken = await stand.login(AGENT, 100_000);
    type Visitor = ReturnType<typeof visitor>;
    const rnd = random(20);
    let period = 0;
    const receiptLatency: number[] = [];

    const payAndWait = async ({ http }: Visitor, token: string, declarationId: string) => {
      const p = await http('payment.create', 'POST', '/api/v1/payments', { declarationId, method: 'bange_card' }, token, {
        'idempotency-key': `r-${declarationId}`,
      });
      if (p.status !== 201) return;
      await http('payment.get', 'GET', `/api/v1/payments/${p.body.id as string}`, undefined, token);
      const paidAt = performance.now();
      await http(null, 'POST', `${p.body.checkoutUrl as string}/pay`);
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
    const catalog = async ({ http }: Visitor, n: number) => {
      const queries = ['legalizacion', 'pasaporte', 'licencia', 'certificado', 'registro'];
      for (let i = 0; i < n; i++) {
        const q = queries[Math.floor(rnd() * queries.length)]!;
        await http('catalog.read', 'GET', i % 2 ? `/api/v1/fiscal-services?q=${q}&limit=20` : `/api/v1/fiscal-services/T-00${1 + Math.floor(rnd() * 9)}`);
      }
    };
    const visit = {
      browse: () => catalog(visitor(), 3),
      serviceFee: async () => {
        const v = visitor();
        const { http } = v;
        await catalog(v, 4);
        const token = await v.login(citizen(), 'auth.login');
        await http('auth.me', 'GET', '/api/v1/auth/me', undefined, token);
        const d = await http('declaration.create', 'POST', '/api/v1/declarations', { kind: 'service_fee', serviceCode: 'T-001', feeType: 'expedition' }, token);
        if (d.status !== 201) return;
        await http('declaration.get', 'GET', `/api/v1/declarations/${d.body.id as string}`, undefined, token);
        await payAndWait(v, token, d.body.id as string);
        await http('declaration.get', 'GET', `/api/v1/declarations/${d.body.id as string}`, undefined, token);
        await http('declaration.list', 'GET', '/api/v1/declarations?limit=20', undefined, token);
      },
      taxReturn: async () => {
        const v = visitor();
        const { http } = v;
        await catalog(v, 1);
        const token = await v.login(citizen(), 'auth.login');
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
        await payAndWait(v, token, id);
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
      `warm-up 15 s, idle 12 s, then ${options.seconds} s at ${options.rate} requests/s (${visitsPerS.toFixed(2)} visits/s; ${cpus().length} cores, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')})`,
    );
    await drive(15);
    await new Promise((r) => setTimeout(r, 3000));
    const idle = await stand.measureIdle(12);
    calls.length = 0;
    receiptLatency.length = 0;
    errors = 0;
    const before = { ...stand.read(), redis: stand.redisCalls(), counters: await stand.counters() };
    const probe = startContentionProbe();
    const t0 = performance.now();
    started = await drive(options.seconds);
    const driven = (performance.now() - t0) / 1000;
    // Let the last events drain before reading the consumers' CPU.
    await new Promise((r) => setTimeout(r, 3000));
    const wall = (performance.now() - t0) / 1000;
    log(`driven ${driven.toFixed(0)} s, drained ${(wall - driven).toFixed(0)} s`);
    const after = { ...stand.read(), redis: stand.redisCalls(), counters: await stand.counters() };
    const probeCpuMs = probe.median();
    probe.stop();
    // How much dearer a CPU millisecond was here than while the calibration ran (1: the same machine speed).
    const dearer = options.calibrationProbeCpuMs ? probeCpuMs / options.calibrationProbeCpuMs : Number.NaN;

    const counts = Object.fromEntries((Object.keys(OPERATIONS) as Operation[]).map((o) => [o, calls.filter((c) => c.op === o).length])) as Record<
      Operation,
      number
    >;
    // Deliveries: one per published event and subscription (the emulator's rare redeliveries are not counted).
    const delivered = (topic: string) => (after.counters.published[topic] ?? 0) - (before.counters.published[topic] ?? 0);
    counts['webhook.bange'] = after.counters.webhooks - before.counters.webhooks;
    counts['event.apply-payment'] = delivered('payment-events');
    counts['event.issue-receipt'] = delivered('payment-applied');
    counts['event.notify-payer'] = delivered('payment-applied');
    counts['event.notifications'] = delivered('declaration-events') + delivered('notifications');
    /** Requests (or deliveries) a second each function's one instance served while driven: the rate the model's costs are taken at. */
    const rateOf = (fn: string) => (Object.keys(OPERATIONS) as Operation[]).filter((o) => OPERATIONS[o].fn === fn).reduce((s, o) => s + counts[o], 0) / driven;

    const rows: string[] = [];
    let within = true;
    const verdict = (ratio: number) => (Math.abs(ratio - 1) <= TOLERANCE ? 'within ±30 %' : 'OUTSIDE ±30 %');
    const adjusted = (ratio: number) => (Number.isFinite(dearer) ? `${(ratio / dearer).toFixed(2)}, ${verdict(ratio / dearer).split(' ')[0]}` : '');
    const fns = [...new Set((Object.keys(OPERATIONS) as Operation[]).filter((o) => counts[o] > 0).map((o) => OPERATIONS[o].fn))];
    for (const fn of fns) {
      const ops = (Object.keys(OPERATIONS) as Operation[]).filter((o) => OPERATIONS[o].fn === fn && counts[o] > 0);
      const n = ops.reduce((s, o) => s + counts[o], 0);
      const rate = rateOf(fn);
      const predicted = ops.reduce((s, o) => s + counts[o] * costsAt(options.costs[o], rate).cpuMs, 0) / n;
      // What the process burns idle (timers, pools, the Pub/Sub client) is not a request's cost: measured before, taken off.
      const measured = (after.cpu[fn]! - before.cpu[fn]! - idle[fn]! * wall) / n;
      const ratio = measured / predicted;
      const ok = Math.abs(ratio - 1) <= TOLERANCE;
      within &&= ok;
      rows.push(
        `| ${fn} | ${ops.map((o) => `${o} ${counts[o]}`).join(', ')} | ${rate.toFixed(2)} | ${predicted.toFixed(2)} | ${measured.toFixed(2)} | ${ratio.toFixed(2)} | ${verdict(ratio)} | ${adjusted(ratio)} |`,
      );
    }
    const allOps = Object.keys(OPERATIONS) as Operation[];
    // PostgreSQL at the rate of everything that reached it (requests and deliveries).
    const dbRate = allOps.reduce((s, o) => s + counts[o], 0) / driven;
    const pgPredicted = allOps.reduce((s, o) => s + counts[o] * costsAt(options.costs[o], rateOf(OPERATIONS[o].fn), dbRate).pgCpuMs, 0);
    const pgMeasured = after.pg - before.pg - idle.postgres! * wall;
    const pgOk = Math.abs(pgMeasured / pgPredicted - 1) <= TOLERANCE;
    const pgRatio = pgMeasured / pgPredicted;
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
      `Machine speed: the fixed work of contention.ts took ${probeCpuMs} ms of CPU (median) during the window${
        Number.isFinite(dearer) ? `, ${options.calibrationProbeCpuMs} ms during the calibration: CPU ${dearer.toFixed(2)}× as dear here` : ''
      }. The last column divides by that.`,
      '',
      "| function | requests and deliveries | its rate /s | model CPU ms/req at that rate | measured CPU ms/req | measured / model | | at the calibration's machine speed |",
      '| --- | --- | --: | --: | --: | --: | --- | --: |',
      ...rows,
      `| PostgreSQL (${stand.postgresSource}) | all of the above | ${dbRate.toFixed(2)} | ${(pgPredicted / served).toFixed(2)} per request | ${(pgMeasured / served).toFixed(2)} per request | ${pgRatio.toFixed(2)} | ${verdict(pgRatio)} | ${adjusted(pgRatio)} |`,
      `| Upstash (Redis commands behind the REST bridge) | all of the above | | ${upstashPredicted.toFixed(0)} commands | ${upstashMeasured} commands | ${(upstashMeasured / upstashPredicted).toFixed(2)} | | |`,
    ].join('\n');
    return { markdown, withinTolerance: within };
  } finally {
    await stand.close();
  }
}
