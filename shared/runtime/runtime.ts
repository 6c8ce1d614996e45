/** Builds each adapter once per instance, chosen from configuration in this one place. */
import { createMemoryCache } from '../adapters/cache/memory-cache';
import { createUpstashCache } from '../adapters/cache/upstash-cache';
import { createObjectStorage } from '../adapters/storage/object-storage';
import { createDatabase } from '../adapters/db/database';
import type { Database } from '../ports/database.port';
import { getConfig, type Config } from '../config/config';
import { createLogger } from '../logging/logger';
import type { Logger } from '../ports/logger.port';
import { createInstanceMetrics, type InstanceMetrics } from '../metrics/instance-metrics';
import { instrumentDatabase } from '../metrics/instrumentation';
import type { Cache } from '../ports/cache.port';
import { systemClock, type Clock } from '../ports/clock.port';
import { randomIds, type IdGenerator } from '../ports/ids.port';

/** Either adapter; `kind` tells them apart (the local one is also served by the local server). */
export type RuntimeStorage = ReturnType<typeof createObjectStorage>;

export interface Runtime {
  config: Config;
  logger: Logger;
  db: Database;
  cache: Cache;
  clock: Clock;
  ids: IdGenerator;
  storage: RuntimeStorage;
  /** This instance's metrics, built on first use (a test's fresh runtime gets fresh metrics). */
  metrics(): InstanceMetrics;
  close(): Promise<void>;
}

export type RuntimeOverrides = Partial<Omit<Runtime, 'config' | 'close' | 'metrics'>>;

export function createRuntime(config: Config, overrides: RuntimeOverrides = {}): Runtime {
  const logger = overrides.logger ?? createLogger({ level: config.logLevel, gcpProject: config.gcpProject });
  const clock = overrides.clock ?? systemClock;
  let db = overrides.db;
  if (!db) {
    if (!config.databaseUrl) {
      throw new Error('DATABASE_URL is not set. `npm start` provides an embedded PostgreSQL; functions deployed elsewhere need DATABASE_URL.');
    }
    db = createDatabase({
      connectionString: config.databaseUrl,
      max: config.dbPoolMax,
      statementTimeoutMs: config.dbStatementTimeoutMs,
      logger,
    });
  }
  const cache =
    overrides.cache ?? (config.upstash ? createUpstashCache({ url: config.upstash.url, token: config.upstash.token }) : createMemoryCache({ clock }));
  const database = db;
  const storage =
    overrides.storage ??
    createObjectStorage({
      bucket: config.storage.bucket,
      dataDir: config.dataDir,
      publicBaseUrl: config.publicBaseUrl,
      ...(config.storage.localSecret ? { localSecret: config.storage.localSecret } : {}),
      clock,
    });
  let metrics: InstanceMetrics | undefined;
  const runtime: Runtime = {
    storage,
    config,
    logger,
    db: database,
    cache,
    clock,
    ids: overrides.ids ?? randomIds,
    metrics: () =>
      (metrics ??= createInstanceMetrics({
        config,
        db: runtime.db,
        cacheKind: cache.kind,
        cache,
        logger,
        now: () => clock.now(),
        // A deployed function (K_SERVICE set) publishes its last counts when Cloud Run stops it.
        flushOnShutdown: config.serviceName !== undefined,
      })),
    close: () => database.close(),
  };
  // The pool this runtime built times every statement (db_query_duration_seconds); an injected one is left as given.
  if (!overrides.db) {
    runtime.db = instrumentDatabase(database, {
      observe: (name, labels, value) => runtime.metrics().recorder.observe(name, labels, value),
      increment: (name, labels, by) => runtime.metrics().recorder.increment(name, labels, by),
    });
  }
  return runtime;
}

let current: Runtime | undefined;

/** The instance's runtime, built on first use (cold start pays only for what a request needs). */
export function getRuntime(): Runtime {
  current ??= createRuntime(getConfig());
  return current;
}

/** Installs a runtime built elsewhere: the local server (embedded database) and tests. */
export function setRuntime(runtime: Runtime | undefined): void {
  current = runtime;
}

/** Memoises a value derived from the runtime, rebuilt when the runtime is replaced. */
export function perRuntime<T>(build: (runtime: Runtime) => T): () => T {
  const cache = new WeakMap<Runtime, T>();
  return () => {
    const runtime = getRuntime();
    let value = cache.get(runtime);
    if (value === undefined) {
      value = build(runtime);
      cache.set(runtime, value);
    }
    return value;
  };
}
