/**
 * `npm run bench:profile`: where a payment's whole journey spends its CPU. The local server (every
 * consumer in one process) on a PostgreSQL cluster of the bench's own, started with
 * pg_stat_statements, so both sides can be attributed: the server's CPU from /proc, the cluster's
 * CPU from /proc of its own processes only, and every statement per applied payment. Optional
 * `--cpu-prof` writes a V8 CPU profile of the server to bench/results/profiles/.
 *
 * Needs PostgreSQL's binaries (PG_BIN, default /usr/lib/postgresql/15/bin) with pg_stat_statements.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDatabase } from '../shared/adapters/db/database';
import { findFreePort } from '../shared/adapters/db/embedded-postgres';
import { openBenchDatabase } from './lib/database';
import { createIdentity, insertPendingPayments } from './lib/fixtures';
import { processCpuMs, runLoad } from './lib/load';
import { startOwnCluster } from './lib/own-cluster';
import { startLocalServer, ROOT } from './lib/processes';
import { checkLedger, WebhookStream } from './lib/webhooks';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const PAYMENTS = arg('payments', 2000);
const CONNECTIONS = arg('connections', 16);
const CPU_PROF = process.argv.includes('--cpu-prof');
/** Leaves the cluster and its database running afterwards (printed), to EXPLAIN what the run left. */
const KEEP = process.argv.includes('--keep');
// eslint-disable-next-line no-restricted-properties
const { PATH, HOME } = process.env;

const log = (line: string) => console.log(line);

async function main() {
  const cluster = await startOwnCluster({ port: await findFreePort() });
  const database = await openBenchDatabase(cluster.adminUrl, log);
  const db = createDatabase({ connectionString: database.url, max: 2, statementTimeoutMs: 300_000 });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'taxasge-profile-data-'));
  chmodSync(dataDir, 0o755);
  const profileDir = path.join(ROOT, 'bench/results/profiles');
  let server: Awaited<ReturnType<typeof startLocalServer>> | undefined;
  try {
    await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const identity = await createIdentity(db);
    const pending = await insertPendingPayments(db, identity.accounts.bulk.id, PAYMENTS + 200, 'prof');
    await db.query('VACUUM ANALYZE');
    const port = await findFreePort();
    mkdirSync(profileDir, { recursive: true });
    server = await startLocalServer(
      port,
      {
        PATH,
        HOME,
        NODE_ENV: 'production',
        ENVIRONMENT: 'development',
        LOG_LEVEL: 'error',
        DATABASE_URL: database.url,
        DATA_DIR: dataDir,
        AUTH_SIGNING_KEYS: identity.signingKeysEnv,
        RATE_LIMIT_PUBLIC_PER_MINUTE: '1000000',
        RESPONSE_VALIDATION: 'off',
        PORT: String(port),
        PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      },
      CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    );
    // Warm-up: the first payments compile code paths and fill caches and prepared statements.
    const warm = new WebhookStream(pending.slice(PAYMENTS), 'warm', Number.MAX_SAFE_INTEGER);
    await runLoad({ url: server.url, connections: 4, amount: 200, requests: warm.requests() });
    await checkLedger(db, [warm], 30_000);
    await db.query('SELECT pg_stat_statements_reset()');
    const cpu0 = processCpuMs(server.pid)!;
    const pg0 = cluster.cpuMs();
    const t0 = performance.now();
    const stream = new WebhookStream(pending.slice(0, PAYMENTS), 'prof', Number.MAX_SAFE_INTEGER);
    const load = await runLoad({ url: server.url, connections: CONNECTIONS, amount: PAYMENTS, requests: stream.requests() });
    const check = await checkLedger(db, [stream], 120_000);
    const seconds = (performance.now() - t0) / 1000;
    const serverMs = processCpuMs(server.pid)! - cpu0;
    const pgMs = cluster.cpuMs() - pg0;
    const applied = check.journals;
    const { rows } = await db.query<{ query: string; calls: string; total: number; mean: number; rows: string }>(
      `SELECT regexp_replace(query, '\\s+', ' ', 'g') AS query, calls, total_exec_time + total_plan_time AS total, mean_exec_time AS mean, rows
         FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = current_database() AND query NOT ILIKE '%pg_stat_statements%' AND query NOT LIKE '%count(*) AS n%'
        ORDER BY total DESC`,
    );
    const statements = rows.reduce((n, r) => n + Number(r.calls), 0);
    const execMs = rows.reduce((n, r) => n + r.total, 0);
    log(`\n${applied} payments applied (${check.receipts} receipts, ${load.rps}/s sent at ${CONNECTIONS} conns, drained in ${check.drainMs} ms, ledger ${check.passed ? 'ok' : 'NOT OK'}), ${seconds.toFixed(1)} s`);
    log(`server CPU ${(serverMs / applied).toFixed(3)} ms per applied payment; PostgreSQL (own cluster, /proc of its processes) ${(pgMs / applied).toFixed(3)} ms; total ${((serverMs + pgMs) / applied).toFixed(3)} ms`);
    log(`statements ${(statements / applied).toFixed(2)} per applied payment; pg_stat_statements exec+plan ${(execMs / applied).toFixed(3)} ms per applied payment\n`);
    log('calls/pay  total ms  mean ms  statement');
    for (const r of rows.slice(0, 40)) log(`${(Number(r.calls) / applied).toFixed(2).padStart(8)}  ${r.total.toFixed(0).padStart(8)}  ${r.mean.toFixed(3).padStart(7)}  ${r.query.slice(0, 170)}`);
  } finally {
    await server?.stop();
    await db.close();
    if (KEEP) {
      log(`kept: ${database.url} (postmaster ${cluster.postmasterPid})`);
    } else {
      await database.drop();
      await cluster.stop();
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (CPU_PROF) log(`\nCPU profile in ${path.relative(ROOT, profileDir)} (open in Chrome DevTools, or summarise with bench/lib/cpuprofile-summary.ts)`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
