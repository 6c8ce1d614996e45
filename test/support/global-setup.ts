/**
 * Once per test run: find a real PostgreSQL (DATABASE_URL, else an embedded one), and build a
 * template database with every migration applied; each test file clones it (see test-database.ts).
 */
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startLocalPostgres } from '../../shared/adapters/db/embedded-postgres';
import { createProjectMigrator } from '../../shared/migrations';

declare global {
  var __taxasgeEmbeddedPg: { stop(): Promise<void>; dataDir: string } | undefined;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export default async function globalSetup(): Promise<void> {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'taxasge-test-'));
    chmodSync(dataDir, 0o755); // PostgreSQL runs as its own user and must reach its folder
    const pg = await startLocalPostgres({ dataDir, database: 'postgres', fast: true });
    globalThis.__taxasgeEmbeddedPg = { stop: () => pg.stop(), dataDir };
    adminUrl = pg.adminUrl;
  }
  const template = `taxasge_template_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${template}`);
    await admin.query(`CREATE DATABASE ${template}`);
  } finally {
    await admin.end();
  }
  await createProjectMigrator(withDatabase(adminUrl, template)).up();
  process.env.TEST_PG_ADMIN_URL = adminUrl;
  process.env.TEST_TEMPLATE_DB = template;
}
