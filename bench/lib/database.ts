/** The bench's real PostgreSQL: a throwaway database on DATABASE_URL's server (dropped at the end), else an embedded cluster. */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startLocalPostgres } from '../../shared/adapters/db/embedded-postgres';
import { createProjectMigrator } from '../../shared/migrations';

export interface BenchDatabase {
  url: string;
  kind: 'DATABASE_URL' | 'embedded';
  server: { version: string; fsync: string; synchronousCommit: string; maxConnections: string };
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function describeServer(url: string): Promise<BenchDatabase['server']> {
  return withClient(url, async (c) => {
    const show = async (name: string) => String((await c.query(`SHOW ${name}`)).rows[0]![name]);
    return {
      version: await show('server_version'),
      fsync: await show('fsync'),
      synchronousCommit: await show('synchronous_commit'),
      maxConnections: await show('max_connections'),
    };
  });
}

/** Creates the database, applies every migration (the catalog included) and says how to drop it. */
export async function openBenchDatabase(databaseUrl: string | undefined, log: (line: string) => void): Promise<BenchDatabase> {
  let adminUrl: string;
  let stopEmbedded: (() => Promise<void>) | undefined;
  let dataDir: string | undefined;
  if (databaseUrl) {
    adminUrl = databaseUrl;
  } else {
    dataDir = mkdtempSync(path.join(tmpdir(), 'taxasge-bench-pg-'));
    chmodSync(dataDir, 0o755); // PostgreSQL runs as its own user and must reach its folder
    log(`DATABASE_URL is not set: starting an embedded PostgreSQL in ${dataDir}`);
    const pg = await startLocalPostgres({ dataDir, database: 'postgres' });
    adminUrl = pg.adminUrl;
    stopEmbedded = () => pg.stop();
  }
  const name = `taxasge_bench_${randomBytes(5).toString('hex')}`;
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = withDatabase(adminUrl, name);
  await createProjectMigrator(url).up();
  return {
    url,
    kind: databaseUrl ? 'DATABASE_URL' : 'embedded',
    server: await describeServer(url),
    async drop() {
      await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      if (stopEmbedded) await stopEmbedded();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
