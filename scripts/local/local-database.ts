/** The database `npm start` and the migration CLI use: DATABASE_URL when set, else the embedded PostgreSQL, kept running. */
import { setTimeout as sleep } from 'node:timers/promises';
import { startLocalPostgres, type LocalPostgres } from '../../shared/adapters/db/embedded-postgres';
import type { Config } from '../../shared/config/config';
import type { Logger } from '../../shared/ports/logger.port';

export interface LocalDatabase {
  url: string;
  embedded: boolean;
  /** From now on a postmaster that dies stays down (the process is stopping). */
  holdRestarts(): void;
  /** Stops the database; a restart under way is waited for at most its start. */
  stop(): Promise<void>;
}

/** Waits before each restart of a postmaster that died: doubling from the first, capped at the last. */
const RESTART_DELAYS_MS = { first: 1000, max: 10_000 };

export async function openLocalDatabase(config: Config, logger: Logger): Promise<LocalDatabase> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: false, holdRestarts: () => undefined, stop: async () => undefined };
  logger.info('DATABASE_URL is not set: starting the embedded PostgreSQL', { dataDir: config.dataDir });
  let pg = await startLocalPostgres({ dataDir: config.dataDir, logger });
  const stopping = new AbortController();
  let restarting: Promise<void> | undefined;

  // A postmaster that dies under the server (killed, out of memory) is started again on the same data
  // and port: the pool's next connections reach it, and no request needs the process restarted.
  const supervise = (current: LocalPostgres) =>
    void current.exited.then((how) => {
      if (stopping.signal.aborted) return;
      logger.error('embedded PostgreSQL exited unexpectedly: restarting it', how);
      restarting = restart().catch(() => undefined);
    });

  async function restart(): Promise<void> {
    for (let attempt = 1, delay = RESTART_DELAYS_MS.first; ; attempt++, delay = Math.min(delay * 2, RESTART_DELAYS_MS.max)) {
      await sleep(delay, undefined, { signal: stopping.signal });
      try {
        pg = await startLocalPostgres({ dataDir: config.dataDir, logger, port: pg.port });
        logger.warning('embedded PostgreSQL restarted', { attempt, port: pg.port });
        supervise(pg);
        return;
      } catch (err) {
        logger.error('embedded PostgreSQL did not restart; trying again', { attempt, err });
      }
    }
  }

  supervise(pg);
  return {
    url: pg.url,
    embedded: true,
    holdRestarts: () => stopping.abort(),
    async stop() {
      stopping.abort();
      await restarting;
      await pg.stop();
    },
  };
}
