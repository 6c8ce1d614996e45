/** `npm start`: the whole backend in one process on its embedded defaults (or the services configured). */
import { createBangeSandbox } from '../shared/adapters/bank/sandbox/bange-sandbox';
import { LOCAL_STORAGE_PREFIX } from '../shared/adapters/storage/local-folder-storage';
import { createLocalStorageHandler } from '../shared/http/local-storage-handler';
import { ConfigError, parseConfig } from '../shared/config/config';
import { createLogger } from '../shared/logging/logger';
import type { Logger } from '../shared/ports/logger.port';
import { seedDemoAccounts } from '../shared/domain/identity/demo-accounts';
import { createProjectMigrator } from '../shared/migrations';
import { getEventBus, raiseDocumentUploads } from '../shared/runtime/events';
import { createRuntime, setRuntime } from '../shared/runtime/runtime';
import { openLocalDatabase } from './local/local-database';
import { loadOrCreateLocalKeys } from './local/local-keys';
import { loadOrCreateLocalStorageSecret } from './local/local-storage-secret';
import { createLocalServer, drain, loadFunctionApps, type LocalMount } from './local/local-server';
import { readRewrites } from './local/rewrites';

/** Budgets of a stop: requests, then the in-process bus's deliveries, then the pool; under the deadline. */
const REQUEST_GRACE_MS = 1500;
const BUS_GRACE_MS = 1500;
const POOL_CLOSE_MS = 500;
const STOP_DEADLINE_MS = 4500;

/** True when the work finished within the time; it is not cancelled otherwise, only no longer waited for. */
async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const finished = work.then(
    () => true,
    () => true,
  );
  return Promise.race([finished, new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]).finally(() => clearTimeout(timer));
}

/**
 * Lets the in-process bus finish its deliveries (retries and dead letters included) within the grace
 * period. What is left is not lost: an event is marked in the outbox only once its consumers are done
 * with it, so the outbox sweeper publishes the unfinished ones again after the next start.
 */
async function drainEventBus(logger: Logger): Promise<void> {
  const bus = getEventBus();
  if (await within(bus.drain(), BUS_GRACE_MS)) {
    logger.info('event bus drained');
    return;
  }
  logger.warning(
    `event bus: ${bus.pending()} deliveries unfinished after ${BUS_GRACE_MS} ms; their events stay unmarked in the outbox, left to the outbox sweeper (npm run jobs -- sweep-outbox)`,
    { pending: bus.pending() },
  );
}

async function main() {
  let config;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel, ...(config.gcpProject ? { gcpProject: config.gcpProject } : {}) });
  const database = await openLocalDatabase(config, logger);
  const applied = await createProjectMigrator(database.url, (m) => logger.info(m)).up();
  logger.info(`migrations at head (${applied.length} applied now)`);

  const auth = { ...config.auth, signingKeys: config.auth.signingKeys ?? loadOrCreateLocalKeys(config.dataDir) };
  const storageConfig = { ...config.storage, localSecret: config.storage.localSecret ?? loadOrCreateLocalStorageSecret(config.dataDir) };
  const runtime = createRuntime({ ...config, databaseUrl: database.url, auth, storage: storageConfig }, { logger });
  setRuntime(runtime);
  // parseConfig refuses DEMO_PASSWORD when ENVIRONMENT=production.
  const demo = config.demoPassword ? await seedDemoAccounts(runtime.db, runtime.ids, config.demoPassword) : [];

  // With the local folder storage, uploads and downloads go through this server, verified with the
  // runtime's own storage (same secret and base URL), see docs/STORAGE.md.
  const storage = runtime.storage;
  const mounts: LocalMount[] =
    storage.kind === 'local'
      ? [{ prefix: LOCAL_STORAGE_PREFIX, handler: createLocalStorageHandler({ storage, logger, onStored: raiseDocumentUploads() }) }]
      : [];
  // Without BANGE_API_URL the bank is the sandbox, served here with the key and secret the runtime's adapter and webhook check use (docs/BANGE.md).
  const [sandboxSecret] = config.bange.webhookSecrets;
  const sandbox =
    config.bange.sandbox && sandboxSecret
      ? createBangeSandbox({
          apiKey: config.bange.apiKey,
          webhookSecret: sandboxSecret,
          publicBaseUrl: config.publicBaseUrl,
          clock: runtime.clock,
          ids: runtime.ids,
          logger,
        })
      : undefined;
  if (sandbox) mounts.push({ prefix: sandbox.prefix, handler: sandbox.handler });

  const rewrites = readRewrites();
  const apps = loadFunctionApps(rewrites);
  const server = createLocalServer(rewrites, apps, mounts);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });

  const base = `http://localhost:${config.port}`;
  console.log(
    [
      '',
      `TaxasGE is running at ${base}  (functions: ${[...apps.keys()].join(', ')})`,
      `  API docs:   ${base}/api/v1/docs   (OpenAPI: ${base}/api/v1/openapi.json)`,
      `  Health:     ${base}/health/ready`,
      `  Catalog:    curl '${base}/api/v1/fiscal-services?q=legalizacion&limit=5'`,
      `  Database:   ${database.embedded ? `embedded PostgreSQL, data in ${config.dataDir}` : 'DATABASE_URL'}`,
      `  Storage:    ${storage.kind === 'local' ? `local folder ${storage.root}, uploads and downloads at ${config.publicBaseUrl}${LOCAL_STORAGE_PREFIX}` : `Cloud Storage bucket ${config.storage.bucket}`}`,
      `  BANGE:      ${sandbox ? `sandbox at ${sandbox.apiUrl}/ (checkout pages at ${sandbox.apiUrl}/checkout/<id>, see docs/BANGE.md)` : `BANGE_API_URL ${config.bange.apiUrl}`}`,
      demo.length
        ? `  Demo:       ${demo.length} accounts (admin@, finance@, supervisor@, agent@, agent.m-001@ …, citizen@, business@demo.taxasge.gq) with DEMO_PASSWORD`
        : '  Demo:       set DEMO_PASSWORD to create demo accounts',
      '  Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    // A backstop: whatever hangs below, the process is gone well within a supervisor's kill timeout.
    setTimeout(() => {
      logger.error(`not stopped within ${STOP_DEADLINE_MS} ms: exiting anyway`);
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    // Stopping: a PostgreSQL that dies from here on is not started again (a start under way still completes).
    database.holdRestarts();
    logger.info(`${signal} received: draining requests`);
    await drain(server, REQUEST_GRACE_MS);
    if (config.eventBus.kind !== 'pubsub') await drainEventBus(logger);
    // pool.end() waits for every client; with the server gone a checked-out one may never come back.
    if (!(await within(runtime.close(), POOL_CLOSE_MS))) logger.warning(`the database pool did not close within ${POOL_CLOSE_MS} ms`);
    await database.stop();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
