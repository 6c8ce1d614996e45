/** The database `npm start` and the migration CLI use: DATABASE_URL when set, else the embedded PostgreSQL. */
import { startLocalPostgres } from '../../shared/adapters/db/embedded-postgres';
import type { Config } from '../../shared/config/config';
import type { Logger } from '../../shared/logging/logger';

export interface LocalDatabase {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

export async function openLocalDatabase(config: Config, logger: Logger): Promise<LocalDatabase> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: false, stop: async () => undefined };
  logger.info('DATABASE_URL is not set: starting the embedded PostgreSQL', { dataDir: config.dataDir });
  const pg = await startLocalPostgres({ dataDir: config.dataDir, logger });
  return { url: pg.url, embedded: true, stop: () => pg.stop() };
}
