/**
 * `npm run loadtest`: the seed's load profiles against a stack started here, on loopback only, each
 * bounded in time (it stops by itself):
 *
 *   journey    `--users` (default 1000) citizens, each walking browse → quote → pay → receipt in a loop
 *              with `--think` ms (default 1000) between steps, for `--seconds` (default 60)
 *   spike      journeys started open loop at `--rate`/s (default 2) for 30 s, 10× that for 30 s, then back for 30 s
 *   stress     journeys started at 1/s, ×1.5 every 15 s until more than 1 % fail or a step's p95 passes
 *              500 ms (the knee: the last rate that held), at most `--max-rate`/s (default 64)
 *   endurance  the journey profile for `--seconds` (default 600), the server's RSS and each minute's p95 reported (drift)
 *
 * Spike and stress start with 10 s of warm-up at 1 journey/s, not counted. Every run ends by checking
 * the money: each payment paid at the sandbox's checkout succeeded, booked once, receipted once.
 *
 * `--target=local` (default) starts `npm start`'s server (every function in one process, also the BANGE
 * sandbox); `--target=deployed` the deployed shape (scripts/deployed/). PostgreSQL is a cluster of its
 * own (bench/lib/own-cluster.ts). A step's latency counts from when it was due.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDatabase } from '../shared/adapters/db/database';
import type { Database } from '../shared/ports/database.port';
import { findFreePort } from '../shared/adapters/db/embedded-postgres';
import { createAccessTokens } from '../shared/domain/identity/access-tokens';
import { createKeyRing, generateSigningKey, type SigningKey } from '../shared/domain/identity/key-ring';
import { systemClock } from '../shared/ports/clock.port';
import { openBenchDatabase } from '../bench/lib/database';
import { processRss, summarise } from '../bench/lib/load';
import { startOwnCluster } from '../bench/lib/own-cluster';
import { BANGE_CLEARING } from '../shared/domain/payments/ledger';
import { startLocalServer } from '../bench/lib/processes';
import { topology } from '../shared/topology/topology';
import { startDeployedShape, type DeployedShape } from './deployed/deployed-shape';
import { loadOrCreateLocalKeys } from './local/local-keys';

const option = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const PROFILE = option('profile') ?? 'journey';
const TARGET = option('target') ?? 'local';
const USERS = Number(option('users') ?? 1000);
const THINK_MS = Number(option('think') ?? 1000);
const SECONDS = Number(option('seconds') ?? (PROFILE === 'endurance' ? 600 : 60));
const RATE = Number(option('rate') ?? 2);
const MAX_RATE = Number(option('max-rate') ?? 64);
/** Whatever the profile, nothing runs longer than this. */
const HARD_LIMIT_S = Number(option('limit') ?? 1200);
// A command-line entry like the other scripts: it passes PATH and HOME on to the processes it starts.
const { PATH, HOME } = process.env;
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

type Step = 'browse' | 'search' | 'quote' | 'pay' | 'checkout' | 'receipt';
const STEPS: Step[] = ['browse', 'search', 'quote', 'pay', 'checkout', 'receipt'];

interface Sample {
  step: Step;
  at: number;
  ms: number;
  ok: boolean;
  /** The HTTP status of a failed step (0: no answer). */
  status?: number;
}

function call(agent: Agent, url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  if (u.hostname !== '127.0.0.1' && u.hostname !== 'localhost') throw new Error(`loopback only: refusing ${url}`);
  return new Promise((resolve) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method,
        agent,
        headers: { ...headers, ...(body !== undefined ? { 'content-length': Buffer.byteLength(body) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', () => resolve({ status: 0, text: '' }));
      },
    );
    req.setTimeout(20_000, () => req.destroy());
    req.on('error', () => resolve({ status: 0, text: '' }));
    req.end(body);
  });
}

/** Citizens signed in with tokens of the keys and issuer the target accepts (no password hashing in the way). */
async function createCitizens(db: Database, count: number, keys: SigningKey[], issuer: string) {
  const tokens = createAccessTokens({ keys: createKeyRing(keys), issuer, audience: 'taxasge-api', clock: systemClock });
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO users (id, email, password_hash, full_name, role, ministries)
     SELECT gen_random_uuid(), 'load-' || n || '-' || substr(md5(random()::text), 1, 8) || '@example.gq', 'loadtest: never used to log in', 'Load Citizen ' || n, 'citizen', '{}'
       FROM generate_series(1, $1) AS n RETURNING id`,
    [count],
  );
  const users = [];
  for (const r of rows) users.push({ id: r.id, token: await tokens.sign({ userId: r.id, role: 'citizen', ministries: [] }) });
  return users;
}

/** One citizen's journey: browse and search the catalog, quote a service fee, pay it at the sandbox's checkout, fetch the receipt. */
async function journey(
  base: string,
  agent: Agent,
  token: string,
  record: (s: Sample) => void,
  think: () => Promise<void>,
  n: number,
  paid: string[],
): Promise<boolean> {
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const timed = async <T>(step: Step, fn: () => Promise<{ ok: boolean; status?: number; value?: T }>): Promise<T | undefined> => {
    const t0 = performance.now();
    const r = await fn();
    record({ step, at: t0, ms: performance.now() - t0, ok: r.ok, ...(r.ok ? {} : { status: r.status }) });
    return r.ok ? r.value : undefined;
  };
  const answered = (status: number) => ({ ok: status >= 200 && status < 400, status, value: true });
  if (!(await timed('browse', async () => answered((await call(agent, `${base}/api/v1/fiscal-services?limit=20`, 'GET', {})).status)))) return false;
  await think();
  if (!(await timed('search', async () => answered((await call(agent, `${base}/api/v1/fiscal-services?q=legalizacion&limit=20`, 'GET', {})).status))))
    return false;
  await think();
  const declaration = await timed('quote', async () => {
    const r = await call(
      agent,
      `${base}/api/v1/declarations`,
      'POST',
      auth,
      JSON.stringify({ kind: 'service_fee', serviceCode: 'T-001', feeType: 'expedition' }),
    );
    const created = r.status === 201 || r.status === 200;
    return { ok: created, status: r.status, value: created ? (JSON.parse(r.text) as { id: string }).id : undefined };
  });
  if (!declaration) return false;
  await think();
  const payment = await timed('pay', async () => {
    const r = await call(
      agent,
      `${base}/api/v1/payments`,
      'POST',
      { ...auth, 'idempotency-key': `load-${declaration}-${n}` },
      JSON.stringify({ declarationId: declaration, method: 'bange_card' }),
    );
    const created = r.status === 201 || r.status === 200;
    return { ok: created, status: r.status, value: created ? (JSON.parse(r.text) as { id: string; checkoutUrl: string }) : undefined };
  });
  if (!payment) return false;
  await think();
  const checkout = () => call(agent, `${payment.checkoutUrl}/pay`, 'POST', { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, '');
  if (!(await timed('checkout', async () => answered((await checkout()).status)))) return false;
  paid.push(payment.id);
  // The receipt exists once the webhook went through the pipeline: polled, its latency from the checkout.
  return Boolean(
    await timed('receipt', async () => {
      for (let i = 0; i < 100; i++) {
        const r = await call(agent, `${base}/api/v1/payments/${payment.id}/receipt`, 'GET', auth);
        if (r.status === 200) return { ok: true, value: true };
        if (r.status >= 500 || r.status === 0) return { ok: false, status: r.status };
        await new Promise((res) => setTimeout(res, 100));
      }
      return { ok: false, status: 404 };
    }),
  );
}

function report(title: string, samples: Sample[]): { errors: number; worstP95: number } {
  const lines = [`${title}: ${samples.length} steps`];
  let worstP95 = 0;
  for (const step of STEPS) {
    const mine = samples.filter((s) => s.step === step);
    if (!mine.length) continue;
    const s = summarise(mine.map((x) => x.ms));
    worstP95 = Math.max(worstP95, step === 'receipt' ? 0 : s.p95);
    const failures = new Map<number, number>();
    for (const x of mine) if (!x.ok) failures.set(x.status ?? 0, (failures.get(x.status ?? 0) ?? 0) + 1);
    const why = [...failures].map(([status, count]) => `${count} × ${status || 'no answer'}`).join(', ');
    lines.push(
      `  ${step.padEnd(9)} ${String(mine.length).padStart(6)}  failed ${String(mine.filter((x) => !x.ok).length).padStart(4)}${why ? ` (${why})` : ''}  p50 ${s.p50}  p95 ${s.p95}  p99 ${s.p99} ms`,
    );
  }
  log(lines.join('\n'));
  return { errors: samples.filter((s) => !s.ok).length, worstP95 };
}

/** Waits until every paid payment is applied and receipted (or `timeoutMs`), then compares payments, ledger and receipts. */
async function checkMoney(db: Database, paid: string[], timeoutMs: number) {
  const started = performance.now();
  const settled = async () =>
    (
      await db.query<{ succeeded: string; receipts: string; journals: string; booked_twice: string; clearing: string | null; expected: string | null }>(
        `SELECT (SELECT count(*) FROM payments WHERE id = ANY($1) AND status = 'succeeded') AS succeeded,
                (SELECT count(*) FROM receipts WHERE payment_id = ANY($1)) AS receipts,
                (SELECT count(*) FROM ledger_journals WHERE kind = 'payment' AND payment_id = ANY($1)) AS journals,
                (SELECT count(*) FROM (SELECT payment_id FROM ledger_journals WHERE kind = 'payment' AND payment_id = ANY($1) GROUP BY payment_id HAVING count(*) > 1) t) AS booked_twice,
                (SELECT sum(e.debit) FROM ledger_entries e JOIN ledger_journals j ON j.id = e.journal_id
                  WHERE j.kind = 'payment' AND j.payment_id = ANY($1) AND e.account = $2) AS clearing,
                (SELECT sum(amount) FROM payments WHERE id = ANY($1)) AS expected`,
        [paid, BANGE_CLEARING],
      )
    ).rows[0]!;
  let row = await settled();
  while ((Number(row.receipts) < paid.length || Number(row.journals) < paid.length) && performance.now() - started < timeoutMs) {
    await new Promise((r) => setTimeout(r, 250));
    row = await settled();
  }
  const deadLetters = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM dead_letters')).rows[0]!.n);
  const result = {
    paid: paid.length,
    succeeded: Number(row.succeeded),
    receipts: Number(row.receipts),
    journals: Number(row.journals),
    bookedTwice: Number(row.booked_twice),
    clearing: Number(row.clearing ?? 0),
    expected: Number(row.expected ?? 0),
    deadLetters,
    settledMs: Math.round(performance.now() - started),
  };
  const passed =
    result.succeeded === result.paid &&
    result.receipts === result.paid &&
    result.journals === result.paid &&
    result.bookedTwice === 0 &&
    result.clearing === result.expected &&
    deadLetters === 0;
  return { ...result, passed };
}

function functionPids(shape: DeployedShape): { name: string; pid: number }[] {
  const ids = [...Object.keys(topology.httpFunctions), ...Object.keys(topology.eventFunctions)];
  return ids.flatMap((id) => shape.instancesOf(id).flatMap((p, i) => (p.child.pid ? [{ name: `${id}#${i}`, pid: p.child.pid }] : [])));
}

async function main() {
  const began = performance.now();
  const hardStop = setTimeout(() => {
    log(`hard limit of ${HARD_LIMIT_S} s reached: stopping`);
    process.exit(2);
  }, HARD_LIMIT_S * 1000);
  hardStop.unref();
  const cluster = await startOwnCluster({ port: await findFreePort() });
  const database = await openBenchDatabase(cluster.adminUrl, log);
  const db = createDatabase({ connectionString: database.url, max: 2, statementTimeoutMs: 60_000 });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'taxasge-loadtest-'));
  const stops: (() => Promise<void>)[] = [];
  try {
    let users: Awaited<ReturnType<typeof createCitizens>>;
    let base: string;
    /** The processes whose memory is sampled: the one server, or every function of the deployed shape. */
    let serverPids: () => { name: string; pid: number }[] = () => [];
    if (TARGET === 'deployed') {
      const shape = await startDeployedShape({
        dataDir,
        instances: 1,
        databaseUrl: database.url,
        distDir: path.join(dataDir, 'dist'),
        logLevel: 'error',
        extraEnv: { RATE_LIMIT_PUBLIC_PER_MINUTE: '1000000' },
        log,
      });
      stops.push(() => shape.close());
      base = shape.url;
      // The shape signs with the keys it keeps in dataDir and names its public origin as the issuer.
      users = await createCitizens(db, USERS, loadOrCreateLocalKeys(dataDir), shape.url);
      serverPids = () => functionPids(shape);
    } else {
      const port = await findFreePort();
      const key = generateSigningKey('loadtest-1');
      users = await createCitizens(db, USERS, [key], 'https://api.taxasge.gq');
      const server = await startLocalServer(port, {
        PATH,
        HOME,
        NODE_ENV: 'production',
        ENVIRONMENT: 'development',
        LOG_LEVEL: 'error',
        DATABASE_URL: database.url,
        DATA_DIR: dataDir,
        AUTH_SIGNING_KEYS: JSON.stringify([key]),
        RATE_LIMIT_PUBLIC_PER_MINUTE: '1000000',
        RESPONSE_VALIDATION: 'off',
        PORT: String(port),
        PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      });
      stops.push(() => server.stop());
      base = server.url;
      serverPids = () => [{ name: 'server', pid: server.pid }];
    }
    log(`${PROFILE} against ${TARGET} at ${base} (${USERS} citizens)`);
    const agent = new Agent({ keepAlive: true, maxSockets: 2048 });
    const samples: Sample[] = [];
    const record = (s: Sample) => samples.push(s);
    /** Payments the sandbox's checkout took money for: each must end succeeded, booked once and receipted once. */
    const paid: string[] = [];
    let n = 0;
    const think = () => new Promise<void>((r) => setTimeout(r, THINK_MS * (0.5 + Math.random())));

    if (PROFILE === 'journey' || PROFILE === 'endurance') {
      const until = performance.now() + SECONDS * 1000;
      let journeys = 0;
      let failed = 0;
      const rss: string[] = [];
      /** Each process's RSS at the first sample, to report the drift at the end. */
      const firstRss = new Map<string, number>();
      const sampler = setInterval(() => {
        const all = serverPids().map(({ name, pid }) => ({ name, mb: processRss(pid).rssMb }));
        for (const { name, mb } of all) if (!firstRss.has(name)) firstRss.set(name, mb);
        const largest = all.sort((a, b) => b.mb - a.mb)[0];
        if (largest) rss.push(`${Math.round((performance.now() - began) / 1000)} s: ${largest.mb} MB${TARGET === 'deployed' ? ` (${largest.name})` : ''}`);
      }, 10_000);
      const measuredFrom = performance.now();
      // Users arrive over the first 10 s, then loop until the end.
      await Promise.all(
        users.map(async (u, i) => {
          await new Promise((r) => setTimeout(r, (i / users.length) * 10_000));
          while (performance.now() < until) {
            if (await journey(base, agent, u.token, record, think, n++, paid)) journeys++;
            else failed++;
          }
        }),
      );
      clearInterval(sampler);
      const seconds = (performance.now() - measuredFrom) / 1000;
      report(
        `${PROFILE}: ${journeys} journeys completed, ${failed} failed, in ${Math.round(seconds)} s with ${USERS} users (${Math.round(samples.length / seconds)} steps/s)`,
        samples,
      );
      if (PROFILE === 'endurance') {
        const start = samples[0]?.at ?? 0;
        for (let minute = 0; minute * 60_000 < SECONDS * 1000; minute++) {
          const mine = samples.filter((s) => s.step !== 'receipt' && s.at - start >= minute * 60_000 && s.at - start < (minute + 1) * 60_000);
          if (mine.length) log(`  minute ${minute + 1}: ${mine.length} steps, p95 ${summarise(mine.map((s) => s.ms)).p95} ms`);
        }
      }
      // Sampled every 10 s; a dozen of them, evenly spread, show the trend.
      const shown = rss.filter((_, i) => i % Math.ceil(rss.length / 12) === 0 || i === rss.length - 1);
      if (rss.length) log(`  ${TARGET === 'deployed' ? 'largest function RSS' : 'server RSS'}: ${shown.join(', ')}`);
      log(
        `  RSS first sample → end: ${serverPids()
          .map(({ name, pid }) => `${name} ${firstRss.get(name) ?? '?'} → ${processRss(pid).rssMb} MB`)
          .join(', ')}`,
      );
    } else {
      // Open loop: journeys started at a rate, whatever happened to the earlier ones.
      const phase = async (rate: number, seconds: number) => {
        const from = samples.length;
        const running: Promise<unknown>[] = [];
        const start = performance.now();
        for (let i = 0; i < rate * seconds; i++) {
          const due = start + (i * 1000) / rate;
          await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
          running.push(journey(base, agent, users[n % users.length]!.token, record, () => Promise.resolve(), n++, paid));
        }
        await Promise.all(running);
        return samples.slice(from);
      };
      // Every function's first requests pay its JIT and its first connections: not part of any step.
      const warm = await phase(1, 10);
      log(`warm-up: 10 journeys at 1/s (${warm.filter((x) => !x.ok).length} failed steps), not counted`);
      if (PROFILE === 'spike') {
        report(`spike, before: ${RATE} journeys/s for 30 s`, await phase(RATE, 30));
        report(`spike: ${RATE * 10} journeys/s for 30 s`, await phase(RATE * 10, 30));
        report(`spike, after: ${RATE} journeys/s for 30 s`, await phase(RATE, 30));
      } else if (PROFILE === 'stress') {
        let rate = 1;
        let knee: number | undefined;
        for (; rate <= MAX_RATE; rate = Math.round(rate * 1.5 * 10) / 10) {
          const got = await phase(rate, 15);
          const { errors, worstP95 } = report(`stress: ${rate} journeys/s for 15 s`, got);
          if (errors > got.length / 100 || worstP95 > 500) {
            log(`knee: ${knee ?? 'below 1'} journeys/s held (at ${rate}/s: ${errors} failed steps, worst step p95 ${worstP95} ms)`);
            break;
          }
          knee = rate;
        }
        if (rate > MAX_RATE) log(`no knee up to ${MAX_RATE} journeys/s`);
      } else {
        throw new Error(`unknown profile ${PROFILE}: journey, spike, stress or endurance`);
      }
    }
    agent.destroy();
    const money = await checkMoney(db, paid, 120_000);
    log(
      `money: ${money.paid} payments paid at the checkout → ${money.succeeded} succeeded, ${money.receipts} receipts, ${money.journals} journals ` +
        `(${money.bookedTwice} booked twice), BANGE clearing ${money.clearing} XAF of ${money.expected} XAF, ${money.deadLetters} dead letters, settled in ${money.settledMs} ms` +
        (money.passed ? '' : ' — MISMATCH'),
    );
    if (!money.passed) process.exitCode = 1;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await db.close();
    await database.drop();
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
    log(`done in ${Math.round((performance.now() - began) / 1000)} s`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
