/**
 * `npm run migrate -- up | down N | status`: the migration runner, also the Cloud Run migrations job.
 * Uses DATABASE_URL, or the embedded PostgreSQL in DATA_DIR when it is unset (development only).
 */
import { createProjectMigrator } from '../shared/migrations';
import { MigrationIntegrityError } from '../shared/migrations/migrator';
import { jobConfig, runMain, withDatabase, type Out } from './local/command';

const USAGE = 'usage: npm run migrate -- up | down <count> | status';

export async function runMigrateCommand(args: string[], env: Record<string, string | undefined>, out: Out): Promise<number> {
  const [command, count] = args;
  if (command !== 'up' && command !== 'down' && command !== 'status') {
    out(USAGE);
    return 2;
  }
  if (command === 'down' && !/^[1-9]\d*$/.test(count ?? '')) {
    out(`down needs how many migrations to revert, e.g. "down 1"\n${USAGE}`);
    return 2;
  }
  const config = jobConfig(env, out);
  if (!config) return 1;
  return withDatabase(config, async (database) => {
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
    }
  });
}

if (require.main === module) runMain(runMigrateCommand);
