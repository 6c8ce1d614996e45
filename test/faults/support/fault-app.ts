/**
 * The local server with the BANGE sandbox (as test/support/test-app.ts builds it) on a pool sized for
 * the burst a fault test sends, so the fault injected is the only one under test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMemoryCache } from '../../../shared/adapters/cache/memory-cache';
import { createDatabase } from '../../../shared/adapters/db/database';
import { findFreePort } from '../../../shared/adapters/db/embedded-postgres';
import { parseConfig } from '../../../shared/config/config';
import { createLogger } from '../../../shared/logging/logger';
import { createFixedClock } from '../../../shared/ports/clock.port';
import { createRuntime, setRuntime } from '../../../shared/runtime/runtime';
import { createLocalServer, loadFunctionApps } from '../../../scripts/local/local-server';
import { readRewrites } from '../../../scripts/local/rewrites';
import { createTestSandbox, type TestApp } from '../../support/test-app';
import { createTestDatabase } from '../../support/test-database';

export async function createFaultApp(options: { poolMax: number }): Promise<TestApp & { sandbox: NonNullable<TestApp['sandbox']> }> {
  const database = await createTestDatabase();
  const db = createDatabase({ connectionString: database.url, max: options.poolMax, statementTimeoutMs: 10_000 });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'taxasge-faults-'));
  const port = await findFreePort();
  const config = parseConfig({
    ENVIRONMENT: 'test',
    LOG_LEVEL: 'error',
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    RATE_LIMIT_PUBLIC_PER_MINUTE: '100000',
  });
  const clock = createFixedClock();
  const logs: string[] = [];
  const logger = createLogger({ level: 'error', write: (line) => logs.push(line) });
  const runtime = createRuntime(config, { db, clock, logger, cache: createMemoryCache({ clock }) });
  setRuntime(runtime);
  const sandbox = createTestSandbox(config, runtime);
  const rewrites = readRewrites();
  const server: Server = createLocalServer(rewrites, loadFunctionApps(rewrites), [{ prefix: sandbox.prefix, handler: sandbox.handler }]);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    server,
    sandbox,
    baseUrl: config.publicBaseUrl,
    runtime,
    // The fixtures (accounts, queries of the assertions) use the same pool as the runtime.
    database: { ...database, db },
    clock,
    logs,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      setRuntime(undefined);
      await db.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
