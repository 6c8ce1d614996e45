/**
 * `npm run bench:profile`: where a payment's whole journey spends its CPU. The local server (every
 * consumer in one process) on a PostgreSQL cluster of the bench's own, started with
 * pg_stat_statements, so both sides can be attributed: the server's CPU from /proc, the cluster's
 * CPU from /proc of its own processes only, and every statement per applied payment.
 *
 * `--compare=<dir>` runs the same journey, alternately, from another checkout of the code (e.g. the
 * commit before a change, unpacked with `git archive` and node_modules linked): a before/after of
 * the same run, on the same cluster and the same machine load. `--roots=a=<dir>,b=<dir>,…` does
 * that for several checkouts (one per commit of a series). `--cpu-prof` writes a V8 CPU profile
 * of each server to bench/results/profiles/ (bench/lib/cpuprofile-summary.ts summarises it).
 *
 * `--history=a,b,c` measures one checkout at growing volumes of history (paid payments with every row
 * their journey wrote, bench/lib/history.ts): per level, CPU and statements per payment, each hot
 * statement's mean time, and the sequential scans PostgreSQL made on the journey's tables.
 *
 * Needs PostgreSQL's binaries (PG_BIN, default /usr/lib/postgresql/15/bin) with pg_stat_statements.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDatabase } from '../shared/adapters/db/database';
import type { Database } from '../shared/ports/database.port';
import { findFreePort } from '../shared/adapters/db/embedded-postgres';
import { openBenchDatabase } from './lib/database';
import { createIdentity, insertPendingPayments, type Identity, type PendingPayment } from './lib/fixtures';
import { processCpuMs, runLoad } from './lib/load';
import { startOwnCluster, type OwnCluster } from './lib/own-cluster';
import { startLocalServer, ROOT } from './lib/processes';
import { checkLedger, WebhookStream } from './lib/webhooks';
import { addPaidHistory } from './lib/history';

const option = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const PAYMENTS = Number(option('payments') ?? 1500);
const CONNECTIONS = Number(option('connections') ?? 16);
const ROUNDS = Number(option('rounds') ?? 1);
/** `label=dir,label=dir…`: checkouts measured alternately in the same run (snapshots keep edits made meanwhile out). */
const ROOTS = option('roots');
const COMPARE = option('compare');
const CPU_PROF = process.argv.includes('--cpu-prof');
/** Leaves the cluster and its database running afterwards (printed), to EXPLAIN what the run left. */
const KEEP = process.argv.includes('--keep');
const WARMUP = 200;
/** `--history=5000,20000,80000`: before each round, paid payments already in the database grown to that many (the 1×/4×/16× check); rounds = levels. */
const HISTORY = option('history')?.split(',').map(Number);
// eslint-disable-next-line no-restricted-properties
const { PATH, HOME } = process.env;

const log = (line: string) => console.log(line);

interface JourneyFigures {
  label: string;
  applied: number;
  passed: boolean;
  sentPerS: number;
  serverMs: number;
  postgresMs: number;
  statements: number;
  execMs: number;
  top: { query: string; calls: number; total: number; mean: number }[];
}

async function journey(
  label: string,
  round: number,
  root: string,
  cluster: OwnCluster,
  db: Database,
  url: string,
  identity: Identity,
  dataDir: string,
  pending: PendingPayment[],
): Promise<JourneyFigures> {
  const port = await findFreePort();
  const profileDir = path.join(ROOT, 'bench/results/profiles', `${label}${round}`);
  if (CPU_PROF) mkdirSync(profileDir, { recursive: true });
  const env = {
    PATH,
    HOME,
    NODE_ENV: 'production',
    ENVIRONMENT: 'development',
    LOG_LEVEL: 'error',
    DATABASE_URL: url,
    DATA_DIR: dataDir,
    AUTH_SIGNING_KEYS: identity.signingKeysEnv,
    RATE_LIMIT_PUBLIC_PER_MINUTE: '1000000',
    RESPONSE_VALIDATION: 'off',
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
  };
  const server = await startLocalServer(port, env, CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [], root);
  try {
    // Warm-up: the first payments compile code paths and fill caches and prepared statements.
    const warm = new WebhookStream(pending.slice(PAYMENTS), `warm-${label}${round}`, Number.MAX_SAFE_INTEGER);
    await runLoad({ url: server.url, connections: 4, amount: WARMUP, requests: warm.requests() });
    await checkLedger(db, [warm], 30_000);
    await db.query('SELECT pg_stat_statements_reset()');
    const cpu0 = processCpuMs(server.pid)!;
    const pg0 = cluster.cpuMs();
    const stream = new WebhookStream(pending.slice(0, PAYMENTS), `${label}${round}`, Number.MAX_SAFE_INTEGER);
    const t0 = performance.now();
    const load = await runLoad({ url: server.url, connections: CONNECTIONS, amount: PAYMENTS, requests: stream.requests() });
    const check = await checkLedger(db, [stream], 120_000);
    const serverMs = processCpuMs(server.pid)! - cpu0;
    const postgresMs = cluster.cpuMs() - pg0;
    const { rows } = await db.query<{ query: string; calls: string; total: number; mean: number }>(
      `SELECT regexp_replace(query, '\\s+', ' ', 'g') AS query, calls, total_exec_time AS total, mean_exec_time AS mean
         FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = current_database() AND query NOT ILIKE '%pg_stat_statements%' AND query NOT LIKE '%count(*) AS n%' AND query NOT LIKE '%sum(e.debit) AS n%'
        ORDER BY total DESC`,
    );
    const applied = check.journals;
    const figures: JourneyFigures = {
      label,
      applied,
      passed: check.passed,
      sentPerS: load.rps,
      serverMs: serverMs / applied,
      postgresMs: postgresMs / applied,
      statements: rows.reduce((n, r) => n + Number(r.calls), 0) / applied,
      execMs: rows.reduce((n, r) => n + r.total, 0) / applied,
      top: rows.map((r) => ({ query: r.query, calls: Number(r.calls) / applied, total: r.total, mean: r.mean })),
    };
    log(
      `${label.padEnd(8)} ${applied} applied (ledger ${check.passed ? 'ok' : 'NOT OK'}, ${load.rps}/s sent at ${CONNECTIONS} conns, ${((performance.now() - t0) / 1000).toFixed(1)} s): ` +
        `server ${figures.serverMs.toFixed(3)} + PostgreSQL ${figures.postgresMs.toFixed(3)} = ${(figures.serverMs + figures.postgresMs).toFixed(3)} ms CPU per applied payment; ` +
        `${figures.statements.toFixed(2)} statements, ${figures.execMs.toFixed(3)} ms executing`,
    );
    return figures;
  } finally {
    await server.stop();
  }
}

/** Sequential and index scans so far, per table of the journey (pg_stat_user_tables). */
async function tableScans(db: Database): Promise<Map<string, { seq: number; rows: number }>> {
  await db.query('SELECT pg_stat_force_next_flush()').catch(() => undefined);
  const { rows } = await db.query<{ relname: string; seq_scan: string; n_live_tup: string }>('SELECT relname, seq_scan, n_live_tup FROM pg_stat_user_tables');
  return new Map(rows.map((r) => [r.relname, { seq: Number(r.seq_scan), rows: Number(r.n_live_tup) }]));
}

async function main() {
  // Read before the cluster starts: a mistake in the arguments leaves nothing running.
  const roots: [string, string][] = ROOTS
    ? ROOTS.split(',')
        .map((r) => r.split('=') as [string, string])
        .map(([label, dir]) => [label, path.resolve(dir)])
    : COMPARE
      ? [
          ['before', path.resolve(COMPARE)],
          ['after', ROOT],
        ]
      : [['this', ROOT]];
  const cluster = await startOwnCluster({ port: await findFreePort() });
  const database = await openBenchDatabase(cluster.adminUrl, log);
  const db = createDatabase({ connectionString: database.url, max: 2, statementTimeoutMs: 300_000 });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'taxasge-profile-data-'));
  chmodSync(dataDir, 0o755);
  try {
    await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const identity = await createIdentity(db);
    const pools = new Map<string, PendingPayment[]>();
    const rounds = HISTORY ? HISTORY.length : ROUNDS;
    for (let round = 0; round < rounds; round++)
      for (const [label] of roots)
        pools.set(`${label}${round}`, await insertPendingPayments(db, identity.accounts.bulk.id, PAYMENTS + WARMUP, `${label}${round}`));
    await db.query('VACUUM ANALYZE');
    log(
      `cluster of the bench's own (PostgreSQL CPU = its postmaster and children, from /proc); ${PAYMENTS} payments per round at ${CONNECTIONS} connections, ${ROUNDS} round(s)`,
    );
    const results: JourneyFigures[] = [];
    let history = 0;
    const volume: string[] = [];
    for (let round = 0; round < rounds; round++) {
      if (HISTORY) {
        const want = HISTORY[round]!;
        if (want > history) await addPaidHistory(db, identity.accounts.bulk.id, want - history, `h${round}`);
        history = Math.max(history, want);
        await db.query('VACUUM ANALYZE');
        log(`history: ${history} paid payments already in the database`);
      }
      const scans0 = await tableScans(db);
      for (const [label, root] of round % 2 ? [...roots].reverse() : roots)
        results.push(await journey(HISTORY ? `${label}` : label, round, root, cluster, db, database.url, identity, dataDir, pools.get(`${label}${round}`)!));
      if (HISTORY) {
        const scans1 = await tableScans(db);
        const seq = [...scans1].map(([t, n]) => [t, n.seq - (scans0.get(t)?.seq ?? 0), n.rows] as const).filter(([, d]) => d > 0);
        const r = results[results.length - 1]!;
        const hot = r.top.slice(0, 8).map((t) => `${t.mean.toFixed(3)} ms ${t.query.slice(0, 60)}`);
        volume.push(
          `history ${history}: server ${r.serverMs.toFixed(3)} + PostgreSQL ${r.postgresMs.toFixed(3)} ms per payment, ${r.statements.toFixed(2)} statements, ${r.execMs.toFixed(3)} ms executing; ` +
            `sequential scans during the round: ${seq.length ? seq.map(([t, d, rows]) => `${t} ${d}× (${rows} rows)`).join(', ') : 'none'}\n    ${hot.join('\n    ')}`,
        );
      }
    }
    if (volume.length) log(`\ndata volume:\n  ${volume.join('\n  ')}`);
    for (const [label] of roots) {
      const mine = results.filter((r) => r.label === label);
      const mean = (f: (r: JourneyFigures) => number) => mine.reduce((n, r) => n + f(r), 0) / mine.length;
      log(
        `\n${label}: mean of ${mine.length}: server ${mean((r) => r.serverMs).toFixed(3)} + PostgreSQL ${mean((r) => r.postgresMs).toFixed(3)} ms CPU per applied payment, ${mean((r) => r.statements).toFixed(2)} statements`,
      );
      log('calls/pay  total ms  mean ms  statement (last round)');
      for (const r of mine[mine.length - 1]!.top.slice(0, 40))
        log(`${r.calls.toFixed(2).padStart(8)}  ${r.total.toFixed(0).padStart(8)}  ${r.mean.toFixed(3).padStart(7)}  ${r.query.slice(0, 160)}`);
    }
  } finally {
    await db.close();
    if (KEEP) {
      log(`kept: ${database.url} (postmaster ${cluster.postmasterPid})`);
    } else {
      await database.drop();
      await cluster.stop();
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
