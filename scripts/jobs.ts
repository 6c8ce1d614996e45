/** `npm run jobs -- <name>`: runs one scheduled job once against DATABASE_URL (or the embedded database). */
import { ConfigError, parseConfig } from '../shared/config/config';
import { createLogger } from '../shared/logging/logger';
import { createRuntime, setRuntime } from '../shared/runtime/runtime';
import { openLocalDatabase } from './local/local-database';

export async function runJob(args: string[], env: Record<string, string | undefined>, out: (line: string) => void): Promise<number> {
  const { jobs } = await import('../functions/jobs');
  const name = args[0];
  if (!name || !(name in jobs)) {
    out(`usage: npm run jobs -- <${Object.keys(jobs).join(' | ')}>`);
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
  const runtime = createRuntime({ ...config, databaseUrl: database.url }, { logger });
  setRuntime(runtime);
  try {
    const result = await jobs[name as keyof typeof jobs]();
    out(`${name}: ${JSON.stringify(result)}`);
    return 0;
  } finally {
    setRuntime(undefined);
    await runtime.close();
    await database.stop();
  }
}

if (require.main === module) {
  runJob(process.argv.slice(2), process.env, (line) => console.log(line)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}
