/** A fresh database per test file, cloned from the migrated template in milliseconds. */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createDatabase } from '../../shared/adapters/db/database';
import type { Database } from '../../shared/ports/database.port';

export interface TestDatabase {
  url: string;
  name: string;
  db: Database;
  drop(): Promise<void>;
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run tests through jest (test/support/global-setup.ts sets it)`);
  return value;
}

export function adminUrl(): string {
  return env('TEST_PG_ADMIN_URL');
}

export function urlFor(database: string): string {
  const u = new URL(adminUrl());
  u.pathname = `/${database}`;
  return u.toString();
}

async function withAdmin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

/** An empty database (no migrations), for tests of the migration runner itself. */
export async function createEmptyDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `taxasge_test_${randomBytes(6).toString('hex')}`;
  await withAdmin((c) => c.query(`CREATE DATABASE ${name}`));
  return { name, url: urlFor(name), drop: () => withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined) };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `taxasge_test_${randomBytes(6).toString('hex')}`;
  const template = env('TEST_TEMPLATE_DB');
  for (let attempt = 0; ; attempt++) {
    try {
      await withAdmin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
      break;
    } catch (err) {
      // Two files cloning at the same instant can briefly see the template as "in use".
      if (attempt >= 20 || !String(err).includes('being accessed by other users')) throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
  }
  const url = urlFor(name);
  const db = createDatabase({ connectionString: url, max: 5, statementTimeoutMs: 10_000 });
  return {
    url,
    name,
    db,
    async drop() {
      await db.close();
      await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
