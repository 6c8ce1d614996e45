/** What the command-line jobs share: configuration reported as text, the database, a runtime, the exit code. */
import { ConfigError, parseConfig, type Config } from '../../shared/config/config';
import { createLogger } from '../../shared/logging/logger';
import type { Logger } from '../../shared/ports/logger.port';
import { createRuntime, setRuntime, type Runtime } from '../../shared/runtime/runtime';
import { openLocalDatabase, type LocalDatabase } from './local-database';

export type Out = (line: string) => void;

/** The job configuration, or undefined after printing every problem. */
export function jobConfig(env: Record<string, string | undefined>, out: Out): Config | undefined {
  try {
    return parseConfig(env, 'job');
  } catch (err) {
    if (err instanceof ConfigError) {
      out(err.message);
      return undefined;
    }
    throw err;
  }
}

/** Runs fn against DATABASE_URL (or the embedded database), closing everything afterwards. */
export async function withDatabase<T>(config: Config, fn: (database: LocalDatabase, logger: Logger) => Promise<T>): Promise<T> {
  const logger = createLogger({ level: config.logLevel });
  const database = await openLocalDatabase(config, logger);
  try {
    return await fn(database, logger);
  } finally {
    await database.stop();
  }
}

/** Runs fn with a runtime installed for the process, as a function instance would have. */
export function withRuntime<T>(config: Config, fn: (runtime: Runtime) => Promise<T>): Promise<T> {
  return withDatabase(config, async (database, logger) => {
    const runtime = createRuntime({ ...config, databaseUrl: database.url }, { logger });
    setRuntime(runtime);
    try {
      return await fn(runtime);
    } finally {
      setRuntime(undefined);
      await runtime.close();
    }
  });
}

/** The `if (require.main === module)` body of a command: run, print, exit with its code. */
export function runMain(command: (args: string[], env: Record<string, string | undefined>, out: Out) => Promise<number>): void {
  command(process.argv.slice(2), process.env, (line) => console.log(line)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}
