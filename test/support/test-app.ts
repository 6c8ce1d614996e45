/** The whole local server over a test database, for HTTP tests through the public surface. */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LOCAL_STORAGE_PREFIX } from '../../shared/adapters/storage/local-folder-storage';
import { createLocalStorageHandler } from '../../shared/http/local-storage-handler';
import { createBangeSandbox } from '../../shared/adapters/bank/sandbox/bange-sandbox';
import { findFreePort } from '../../shared/adapters/db/embedded-postgres';
import { createMemoryCache } from '../../shared/adapters/cache/memory-cache';
import { parseConfig, type Config } from '../../shared/config/config';
import { createLogger } from '../../shared/logging/logger';
import type { Logger } from '../../shared/ports/logger.port';
import type { Cache } from '../../shared/ports/cache.port';
import { createFixedClock } from '../../shared/ports/clock.port';
import { getOcrEngine } from '../../shared/runtime/documents';
import { raiseDocumentUploads } from '../../shared/runtime/events';
import { createRuntime, setRuntime, type Runtime } from '../../shared/runtime/runtime';
import { createLocalServer, loadFunctionApps } from '../../scripts/local/local-server';
import { readRewrites } from '../../scripts/local/rewrites';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface TestApp {
  server: Server;
  sandbox: ReturnType<typeof createBangeSandbox> | undefined;
  baseUrl: string;
  runtime: Runtime;
  database: TestDatabase;
  clock: ReturnType<typeof createFixedClock>;
  logs: string[];
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Listen on a real port with the BANGE sandbox mounted, so the sandbox can deliver webhooks. */
  listen?: boolean;
  cache?: Cache;
  logger?: Logger;
}

/** Apps open in this test file, newest last: closing one gives the runtime back to the app opened before it. */
const openRuntimes: Runtime[] = [];

/** The BANGE sandbox with the runtime's key, secret, clock and ids, retrying a failed webhook after 20, 50 and 100 ms. */
export function createTestSandbox(config: Config, runtime: Pick<Runtime, 'clock' | 'ids'>) {
  return createBangeSandbox({
    apiKey: config.bange.apiKey,
    webhookSecret: config.bange.webhookSecrets[0]!,
    publicBaseUrl: config.publicBaseUrl,
    clock: runtime.clock,
    ids: runtime.ids,
    retryDelaysMs: [20, 50, 100],
  });
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'taxasge-app-'));
  const port = options.listen ? await findFreePort() : 8080;
  const config: Config = parseConfig({
    ENVIRONMENT: 'test',
    LOG_LEVEL: 'debug',
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    ...options.env,
  });
  const clock = createFixedClock();
  const logs: string[] = [];
  const logger = options.logger ?? createLogger({ level: 'debug', write: (line) => logs.push(line) });
  const runtime = createRuntime(config, { db: database.db, clock, logger, cache: options.cache ?? createMemoryCache({ clock }) });
  setRuntime(runtime);
  openRuntimes.push(runtime);
  const rewrites = readRewrites();
  const storage = runtime.storage;
  const mounts =
    storage.kind === 'local' ? [{ prefix: LOCAL_STORAGE_PREFIX, handler: createLocalStorageHandler({ storage, onStored: raiseDocumentUploads() }) }] : [];
  const sandbox = options.listen ? createTestSandbox(config, runtime) : undefined;
  if (sandbox) mounts.push({ prefix: sandbox.prefix, handler: sandbox.handler });
  const server = createLocalServer(rewrites, loadFunctionApps(rewrites), mounts);
  if (options.listen) await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    server,
    sandbox,
    baseUrl: config.publicBaseUrl,
    runtime,
    database,
    clock,
    logs,
    async close() {
      if (options.listen) await new Promise<void>((resolve) => server.close(() => resolve()));
      // An OCR worker thread, if a test had a document read, would keep jest's process alive. This app's
      // engine: another app of the file may have been opened or closed since this one.
      setRuntime(runtime);
      await getOcrEngine().close();
      openRuntimes.splice(openRuntimes.indexOf(runtime), 1);
      setRuntime(openRuntimes.at(-1));
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
