/**
 * `npm run bench`: starts the stack on a real PostgreSQL, measures it against a functions-framework
 * hello-world measured in the same run, prints one table, writes bench/results/latest.json and the
 * generated part of docs/PERFORMANCE.md. `-- --quick` shortens every point (a smoke run, not results);
 * `-- --render` rewrites the table and the page from bench/results/latest.json without measuring.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDatabase } from '../shared/adapters/db/database';
import { findFreePort } from '../shared/adapters/db/embedded-postgres';
import { buildAll } from '../scripts/build';
import { openBenchDatabase } from './lib/database';
import { createIdentity, growCatalog, insertPendingPayments } from './lib/fixtures';
import { buildHelloWorld, HELLO_TARGET, measureFunction, type FunctionFigures } from './lib/functions';
import { startFunction, startLocalServer, ROOT, type Started } from './lib/processes';
import { formatTable, writePerformanceDoc, writeResults, RESULTS_FILE } from './lib/report';
import { catalogPhase, functionProbes, webhooksDeployedPhase, webhooksInProcessPhase, writePhase, type Phases } from './lib/phases';
import { startBenchPubSub } from './lib/pubsub';
import { attributePostgresCpu } from './lib/load';
import { startOwnCluster } from './lib/own-cluster';
import { buildRows, renderDoc } from './lib/summary';

const QUICK = process.argv.includes('--quick');
const SHARED_CLUSTER = process.argv.includes('--shared-cluster');
// The bench is a command-line entry like scripts/: it reads DATABASE_URL and passes PATH and HOME on to the processes it starts.
// eslint-disable-next-line no-restricted-properties
const { DATABASE_URL, PATH, HOME, NODE_OPTIONS } = process.env;
const SCALE = QUICK
  ? {
      pointS: 2,
      warmupS: 1,
      sustainedS: 5,
      sustainedRate: 1000,
      capacityPool: 5000,
      coldRuns: 3,
      rssRequests: 1000,
      rssMaxS: 10,
      latencyCount: 40,
      drainTimeoutMs: 30_000,
    }
  : {
      pointS: 10,
      warmupS: 2,
      sustainedS: 30,
      sustainedRate: 1000,
      capacityPool: 25_000,
      coldRuns: 10,
      rssRequests: 10_000,
      rssMaxS: 10,
      latencyCount: 200,
      drainTimeoutMs: 40_000,
    };

const began = performance.now();
const elapsed = () => `${((performance.now() - began) / 1000).toFixed(0).padStart(4)} s`;
const log = (line: string) => console.log(`[${elapsed()}] ${line}`);

function machine() {
  return {
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

async function main() {
  const date = new Date().toISOString();
  const host = machine();
  log(
    `machine: ${host.nproc} × ${host.cpuModel}, ${host.memoryGiB} GiB, Node ${host.node}, load average ${host.loadAverageAtStart.join(' ')}${QUICK ? ' (quick run: figures are not results)' : ''}`,
  );
  // PostgreSQL's CPU can only be attributed on a cluster of the bench's own; --shared-cluster measures on DATABASE_URL's as before (its CPU column then means little).
  const cluster = SHARED_CLUSTER
    ? undefined
    : await startOwnCluster({ port: await findFreePort() }).catch(
        (err: Error) => (log(`no cluster of the bench's own (${err.message}): PostgreSQL CPU is not attributable`), undefined),
      );
  if (cluster) attributePostgresCpu(() => cluster.cpuMs());
  const database = await openBenchDatabase(cluster?.adminUrl ?? DATABASE_URL, log);
  if (cluster)
    await createDatabase({ connectionString: database.url, max: 1, statementTimeoutMs: 10_000 })
      .query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
      .catch(() => undefined);
  log(
    `database: ${cluster ? "a cluster of the bench's own (CPU attributed from /proc of its postmaster and children)" : database.kind}, PostgreSQL ${database.server.version} (fsync ${database.server.fsync}, synchronous_commit ${database.server.synchronousCommit}), migrated`,
  );
  const db = createDatabase({ connectionString: database.url, max: 4, statementTimeoutMs: 300_000 });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'taxasge-bench-data-'));
  const running: Started[] = [];
  const stops: (() => Promise<void>)[] = [];
  const durations: Record<string, number> = {};
  const phase = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    log(`${name}…`);
    try {
      return await fn();
    } finally {
      durations[name] = Math.round((performance.now() - t0) / 100) / 10;
    }
  };
  try {
    await phase('build', async () => {
      await buildAll({ log: () => undefined });
      await buildHelloWorld();
    });
    const functionIds = readdirSync(path.join(ROOT, 'dist/functions')).sort();
    const identity = await createIdentity(db);
    const pools = await phase('fixtures', async () => {
      const bulk = identity.accounts.bulk.id;
      const made = {
        citizen: await insertPendingPayments(db, identity.accounts.citizen.id, 5, 'cit'),
        probe: await insertPendingPayments(db, bulk, SCALE.coldRuns + SCALE.rssRequests + 10, 'fn'),
        deployedCapacity: await insertPendingPayments(db, bulk, SCALE.capacityPool, 'dcap'),
        sustained: await insertPendingPayments(db, bulk, SCALE.sustainedRate * SCALE.sustainedS, 'sus'),
        inProcess: await insertPendingPayments(db, bulk, SCALE.capacityPool / 5, 'inp'),
        latency: await insertPendingPayments(db, bulk, SCALE.latencyCount, 'lat'),
      };
      // Fresh statistics, and no autovacuum of the bulk load in the middle of a measurement.
      await db.query('VACUUM ANALYZE');
      return made;
    });
    const pubsub = await phase('Pub/Sub emulator', () => startBenchPubSub());
    stops.push(() => pubsub.stop());
    const env: NodeJS.ProcessEnv = {
      PATH,
      HOME,
      // Passed through, so a heap setting proposed for the deployed functions can be measured here first.
      ...(NODE_OPTIONS ? { NODE_OPTIONS } : {}),
      NODE_ENV: 'production',
      ENVIRONMENT: 'development',
      LOG_LEVEL: 'error',
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      AUTH_SIGNING_KEYS: identity.signingKeysEnv,
      RATE_LIMIT_PUBLIC_PER_MINUTE: '1000000',
      RATE_LIMIT_REGISTRATIONS_PER_HOUR: '1000000',
      RESPONSE_VALIDATION: 'off',
    };
    // Deployed functions publish to Pub/Sub; their consumers are other functions.
    const functionEnv: NodeJS.ProcessEnv = { ...env, EVENT_BUS: 'pubsub', PUBSUB_EMULATOR_HOST: pubsub.host, METADATA_SERVER_DETECTION: 'none' };

    const functions: FunctionFigures[] = await phase('cold start and RSS of each function', async () => {
      const probes = functionProbes(identity, pools.probe, pools.citizen);
      const options = { runs: SCALE.coldRuns, requests: SCALE.rssRequests, maxLoadS: SCALE.rssMaxS, log };
      const out = [await measureFunction(HELLO_TARGET, path.join(ROOT, 'dist/bench/hello'), functionEnv, { method: 'GET', path: '/' }, options)];
      for (const id of functionIds) {
        const probe = probes[id];
        if (!probe) {
          log(`  ${id}: no probe defined for this function; add one to bench/lib/phases.ts`);
          continue;
        }
        out.push(await measureFunction(id, path.join(ROOT, 'dist/functions', id), functionEnv, probe, options));
      }
      return out;
    });

    const hello = (await startFunction(HELLO_TARGET, path.join(ROOT, 'dist/bench/hello'), await findFreePort(), functionEnv, { method: 'GET', path: '/' }))
      .started;
    running.push(hello);
    const serverPort = await findFreePort();
    const serverEnv = { ...env, PORT: String(serverPort), PUBLIC_BASE_URL: `http://127.0.0.1:${serverPort}` };
    const server = await startLocalServer(serverPort, serverEnv);
    running.push(server);

    // The catalog is measured as deployed, like the baseline: the built function under the framework's CLI.
    const startCatalog = async () => {
      const started = (
        await startFunction('fiscal-services', path.join(ROOT, 'dist/functions/fiscal-services'), await findFreePort(), env, {
          method: 'GET',
          path: '/api/v1/fiscal-services?limit=1',
        })
      ).started;
      running.push(started);
      return started;
    };
    let catalogFn = await startCatalog();
    const phases: Phases = { scale: SCALE, db, hello, server: () => server, catalog: () => catalogFn, log, identity };
    const catalog = await phase('catalog at 1×, 4× and 16× load', () => catalogPhase(phases, 'catalog 1×', [4, 16, 64]));
    const grownTo = await phase('catalog grown 16×', async () => {
      const services = await growCatalog(db, 15);
      await catalogFn.stop();
      running.splice(running.indexOf(catalogFn), 1);
      catalogFn = await startCatalog();
      return services;
    });
    const grown = await phase('catalog 16× at 64 connections', () => catalogPhase(phases, 'catalog 16×', [64], false));
    const writes = await phase('declaration and payment creates', () => writePhase(phases));
    // The rule: 1,000/s, or on a host whose hello-world does under 7,500/s, 0.14× the same run's hello-world rate (64 connections).
    const hello64 = catalog.points['hello@64']?.rps ?? 0;
    const pacedRate = hello64 >= 7500 ? SCALE.sustainedRate : Math.min(SCALE.sustainedRate, Math.round(0.14 * hello64));
    const deployed = await phase('webhook ingestion as deployed', async () => {
      const webhooksFn = (
        await startFunction(
          'webhooks',
          path.join(ROOT, 'dist/functions/webhooks'),
          await findFreePort(),
          functionEnv,
          functionProbes(identity, pools.probe, pools.citizen).webhooks!,
        )
      ).started;
      try {
        return await webhooksDeployedPhase(phases, webhooksFn, pools, pacedRate);
      } finally {
        await webhooksFn.stop();
      }
    });
    const inProcess = await phase('webhooks through the whole pipeline in one process', () => webhooksInProcessPhase(phases, pools, Boolean(cluster)));

    const results = {
      date,
      quick: QUICK,
      machine: { ...host, loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100) },
      database: { kind: cluster ? 'own cluster' : database.kind, ...database.server },
      scale: SCALE,
      catalogTarget: { process: 'dist/functions/fiscal-services under the functions framework CLI' },
      server: {
        process: 'scripts/start.ts (local server, in-process event bus)',
        env: { NODE_ENV: 'production', LOG_LEVEL: 'error', RESPONSE_VALIDATION: 'off', RATE_LIMIT_PUBLIC_PER_MINUTE: '1000000', DB_POOL_MAX: '10 (default)' },
      },
      catalogServices: { base: catalog.services, grown: grownTo },
      functions,
      catalog,
      grown,
      writes,
      webhooks: { deployed, inProcess },
      durationsS: { ...durations, total: Math.round((performance.now() - began) / 100) / 10 },
    };
    const rows = buildRows(results);
    console.log(`\n${formatTable(rows)}\n`);
    // A quick run is a smoke test of the harness: its figures never replace the published ones.
    const file = QUICK ? RESULTS_FILE.replace(/latest\.json$/, 'quick.tmp') : RESULTS_FILE;
    writeResults({ ...results, rows }, file);
    log(`results written to ${path.relative(ROOT, file)}`);
    if (!QUICK && writePerformanceDoc(renderDoc({ ...results, rows }))) log('docs/PERFORMANCE.md updated');
  } finally {
    for (const p of running.reverse()) await p.stop();
    for (const stop of stops) await stop();
    await db.close();
    await database.drop();
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    log('throwaway database dropped');
  }
}

/** `npm run bench -- --render`: the table and docs/PERFORMANCE.md again from bench/results/latest.json, without measuring. */
async function render() {
  const { readFileSync } = await import('node:fs');
  const results = JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Parameters<typeof buildRows>[0];
  const rows = buildRows(results);
  console.log(`\n${formatTable(rows)}\n`);
  writeResults({ ...results, rows });
  if (writePerformanceDoc(renderDoc({ ...results, rows }))) log('docs/PERFORMANCE.md updated');
}

(process.argv.includes('--render') ? render() : main()).catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
