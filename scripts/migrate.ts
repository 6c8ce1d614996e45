/**
 * `npm run migrate -- up | down N | status`: the migration runner, also the Cloud Run migrations job.
 * Uses DATABASE_URL, or the embedded PostgreSQL in DATA_DIR when it is unset (development only).
 */
import { ConfigError, parseConfig } from '../shared/config/config';
import { createLogger } from '../shared/logging/logger';
import { createProjectMigrator } from '../shared/migrations';
import { MigrationIntegrityError } from '../shared/migrations/migrator';
import { openLocalDatabase } from './local/local-database';

const USAGE = 'usage: npm run migrate -- up | down <count> | status';

export async function runMigrateCommand(args: string[], env: Record<string, string | undefined>, out: (line: string) => void): Promise<number> {
  const [command, count] = args;
  if (command !== 'up' && command !== 'down' && command !== 'status') {
    out(USAGE);
    return 2;
  }
  if (command === 'down' && !/^[1-9]\d*$/.test(count ?? '')) {
    out(`down needs how many migrations to revert, e.g. "down 1"\n${USAGE}`);
    return 2;
  }
  let config;
  try {
    config = parseConfig(env, 'job');
  } catch (err) {
    if (err instanceof ConfigError) {
      out(err.message);
      return 1;
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel });
  const database = await openLocalDatabase(config, logger);
  try {
    const migrator = createProjectMigrator(database.url, out);
    if (command === 'status') {
      const statuses = await migrator.status();
      for (const s of statuses) {
        out(`${String(s.version).padStart(4, '0')}  ${s.state.padEnd(8)} ${s.name}${s.appliedAt ? `  (${s.appliedAt.toISOString()})` : ''}`);
      }
      return statuses.some((s) => s.state === 'changed' || s.state === 'missing') ? 1 : 0;
    }
    const done = command === 'up' ? await migrator.up() : await migrator.down(Number(count));
    out(done.length ? `${command === 'up' ? 'applied' : 'reverted'} ${done.length} migration(s)` : 'nothing to do: already at head');
    return 0;
  } catch (err) {
    if (err instanceof MigrationIntegrityError) {
      out(err.message);
      return 1;
    }
    throw err;
  } finally {
    await database.stop();
  }
}

if (require.main === module) {
  runMigrateCommand(process.argv.slice(2), process.env, (line) => console.log(line)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}
