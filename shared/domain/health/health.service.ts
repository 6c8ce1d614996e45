/** Readiness: each dependency probed with a deadline; any one down makes the instance not ready. */
import type { Cache } from '../../ports/cache.port';
import type { Clock } from '../../ports/clock.port';
import type { EventBusProbe } from '../../ports/event-bus.port';

export interface CheckResult {
  status: 'up' | 'down';
  latencyMs: number;
  detail?: string;
}

export interface Readiness {
  ready: boolean;
  checks: { database: CheckResult; cache: CheckResult & { kind: Cache['kind'] }; pubsub: CheckResult & { kind: EventBusProbe['kind'] } };
  failing: string[];
}

export interface HealthDeps {
  db: { ping(timeoutMs?: number): Promise<void> };
  cache: Cache;
  /** The bus events are published to; probed without publishing. */
  bus: EventBusProbe;
  clock: Clock;
  timeoutMs?: number;
}

function withDeadline(work: Promise<void>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export function createHealthService(deps: HealthDeps) {
  const timeoutMs = deps.timeoutMs ?? 2000;

  async function probe(what: string, run: () => Promise<void>): Promise<CheckResult> {
    const started = deps.clock.now().getTime();
    try {
      await withDeadline(run(), timeoutMs, what);
      return { status: 'up', latencyMs: deps.clock.now().getTime() - started };
    } catch (err) {
      return { status: 'down', latencyMs: deps.clock.now().getTime() - started, detail: err instanceof Error ? err.message : String(err) };
    }
  }

  return {
    async readiness(): Promise<Readiness> {
      const [database, cache, pubsub] = await Promise.all([
        probe('database', () => deps.db.ping(timeoutMs)),
        probe('cache', () => deps.cache.ping()),
        probe('pubsub', () => deps.bus.ping(timeoutMs)),
      ]);
      const checks = { database, cache: { ...cache, kind: deps.cache.kind }, pubsub: { ...pubsub, kind: deps.bus.kind } };
      const failing = Object.entries(checks)
        .filter(([, c]) => c.status === 'down')
        .map(([name]) => name);
      return { ready: failing.length === 0, checks, failing };
    },
  };
}
