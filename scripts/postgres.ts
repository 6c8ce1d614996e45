/**
 * Runs the embedded PostgreSQL on its own, printing its URL, until stopped (SIGINT/SIGTERM):
 * `tsx scripts/postgres.ts [--data-dir DIR] [--port N]`. Tests use it to stop and restart a real server.
 */
import { startLocalPostgres } from '../shared/adapters/db/embedded-postgres';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  const port = arg('port');
  const pg = await startLocalPostgres({
    dataDir: arg('data-dir') ?? './.data',
    fast: process.argv.includes('--fast'),
    ...(port ? { port: Number(port) } : {}),
  });
  console.log(`POSTGRES_URL=${pg.url}`);
  const stop = () => void pg.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
