/**
 * Applies SQL migrations in order under a PostgreSQL advisory lock, each in its own transaction
 * together with its tracking row; refuses to run when an applied file has changed or disappeared.
 */
import { Client } from 'pg';
import type { MigrationFile } from './migration-files';

/** Arbitrary but fixed: every runner of this project contends for the same lock. */
const LOCK_KEY = 7_302_114_577;

export type MigrationState = 'applied' | 'pending' | 'changed' | 'missing';

export interface MigrationStatus {
  version: number;
  name: string;
  state: MigrationState;
  appliedAt?: Date;
}

export class MigrationIntegrityError extends Error {
  constructor(readonly problems: MigrationStatus[]) {
    super(
      'Refusing to migrate: ' +
        problems
          .map((p) =>
            p.state === 'changed'
              ? `${String(p.version).padStart(4, '0')}_${p.name}.sql was changed after it was applied (write a new migration instead)`
              : `${String(p.version).padStart(4, '0')}_${p.name} is applied in the database but its file is missing`,
          )
          .join('; '),
    );
    this.name = 'MigrationIntegrityError';
  }
}

export interface MigratorOptions {
  connectionString: string;
  migrations: MigrationFile[];
  log?: (message: string) => void;
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
  applied_at: Date;
}

export function createMigrator(options: MigratorOptions) {
  const log = options.log ?? (() => undefined);
  const files = [...options.migrations].sort((a, b) => a.version - b.version);

  async function withLockedClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: options.connectionString, application_name: 'taxasge-migrate' });
    await client.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        execution_ms integer NOT NULL
      )`);
      return await fn(client);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
      await client.end();
    }
  }

  async function readStatus(client: Client): Promise<MigrationStatus[]> {
    const { rows } = await client.query<AppliedRow>('SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version');
    const applied = new Map(rows.map((r) => [r.version, r]));
    const statuses: MigrationStatus[] = files.map((f) => {
      const row = applied.get(f.version);
      if (!row) return { version: f.version, name: f.name, state: 'pending' };
      return { version: f.version, name: f.name, state: row.checksum === f.checksum ? 'applied' : 'changed', appliedAt: row.applied_at };
    });
    for (const row of rows) {
      if (!files.some((f) => f.version === row.version)) {
        statuses.push({ version: row.version, name: row.name, state: 'missing', appliedAt: row.applied_at });
      }
    }
    return statuses.sort((a, b) => a.version - b.version);
  }

  function assertIntact(statuses: MigrationStatus[]) {
    const problems = statuses.filter((s) => s.state === 'changed' || s.state === 'missing');
    if (problems.length) throw new MigrationIntegrityError(problems);
  }

  async function runInTransaction(client: Client, sql: string, after: () => Promise<unknown>) {
    await client.query('BEGIN');
    try {
      await client.query(sql);
      await after();
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    }
  }

  return {
    status: () => withLockedClient(readStatus),

    /** Applies every pending migration; returns the versions applied. */
    up: () =>
      withLockedClient(async (client) => {
        const statuses = await readStatus(client);
        assertIntact(statuses);
        const pending = files.filter((f) => statuses.find((s) => s.version === f.version)?.state === 'pending');
        for (const m of pending) {
          const started = Date.now();
          await runInTransaction(client, m.up, () =>
            client.query('INSERT INTO schema_migrations (version, name, checksum, execution_ms) VALUES ($1, $2, $3, $4)', [
              m.version,
              m.name,
              m.checksum,
              Date.now() - started,
            ]),
          );
          log(`applied ${m.file} (${Date.now() - started} ms)`);
        }
        return pending.map((m) => m.version);
      }),

    /** Reverts the last `count` applied migrations, newest first; returns the versions reverted. */
    down: (count: number) =>
      withLockedClient(async (client) => {
        if (!Number.isInteger(count) || count < 1) throw new Error(`down expects a positive whole number of migrations, got ${count}`);
        const statuses = await readStatus(client);
        assertIntact(statuses);
        const applied = statuses
          .filter((s) => s.state === 'applied')
          .reverse()
          .slice(0, count);
        for (const s of applied) {
          const m = files.find((f) => f.version === s.version)!;
          await runInTransaction(client, m.down || 'SELECT 1', () => client.query('DELETE FROM schema_migrations WHERE version = $1', [m.version]));
          log(`reverted ${m.file}`);
        }
        return applied.map((s) => s.version);
      }),
  };
}

export type Migrator = ReturnType<typeof createMigrator>;
