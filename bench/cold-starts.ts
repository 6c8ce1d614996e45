/**
 * `npm run bench:cold`: the cold start of each built function beside the hello-world, started
 * alternately (hello, function, hello, function…) so both see the same machine load; median of
 * `--runs` (default 9) of spawn → first 2xx of the function's probe (the bench's, bench/lib/phases.ts).
 * `--only=a,b` limits the functions. The ratio, not the milliseconds, is the figure on a shared machine.
 *
 * `--compare=<dist>`: the same functions built elsewhere (another commit's `npm run build`, e.g.
 * `git archive <base> | tar -x -C /tmp/base && ln -s $PWD/node_modules /tmp/base/ && (cd /tmp/base &&
 * npm run build)`, then `--compare=/tmp/base/dist`) started in the same rounds (hello, that build, this
 * one; the order turned each round), so a before/after shares the machine's load. CPU is read from the
 * scheduler's per-thread accounting (nanoseconds) where Linux keeps it, else in 10 ms ticks.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createDatabase } from '../shared/adapters/db/database';
import { findFreePort } from '../shared/adapters/db/embedded-postgres';
import { buildAll } from '../scripts/build';
import { openBenchDatabase } from './lib/database';
import { createIdentity, insertPendingPayments } from './lib/fixtures';
import { buildHelloWorld, HELLO_TARGET } from './lib/functions';
import { processCpuMs, processCpuPreciseMs, summarise } from './lib/load';
import { functionProbes } from './lib/phases';
import { ROOT, startFunction, type Probe } from './lib/processes';
import { startBenchPubSub } from './lib/pubsub';

const option = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const RUNS = Number(option('runs') ?? 9);
const ONLY = option('only')?.split(',');
const SKIP_BUILD = process.argv.includes('--no-build');
const COMPARE = option('compare');
// eslint-disable-next-line no-restricted-properties
const { DATABASE_URL, PATH, HOME } = process.env;
const log = (line: string) => console.log(line);

async function main() {
  const database = await openBenchDatabase(DATABASE_URL, log);
  const db = createDatabase({ connectionString: database.url, max: 2, statementTimeoutMs: 60_000 });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'taxasge-cold-data-'));
  const pubsub = await startBenchPubSub();
  try {
    if (!SKIP_BUILD) {
      await buildAll({ log: () => undefined });
      await buildHelloWorld();
    }
    const identity = await createIdentity(db);
    const pool = await insertPendingPayments(db, identity.accounts.bulk.id, RUNS * 40, 'cold');
    const citizens = await insertPendingPayments(db, identity.accounts.citizen.id, 5, 'cit');
    const probes = functionProbes(identity, pool, citizens);
    const env: NodeJS.ProcessEnv = {
      PATH,
      HOME,
      NODE_ENV: 'production',
      ENVIRONMENT: 'development',
      LOG_LEVEL: 'error',
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      AUTH_SIGNING_KEYS: identity.signingKeysEnv,
      RATE_LIMIT_PUBLIC_PER_MINUTE: '1000000',
      RESPONSE_VALIDATION: 'off',
      EVENT_BUS: 'pubsub',
      PUBSUB_EMULATOR_HOST: pubsub.host,
      METADATA_SERVER_DETECTION: 'none',
    };
    const once = async (id: string, source: string, probe: Probe) => {
      const { started, coldStartMs } = await startFunction(id, source, await findFreePort(), env, probe);
      // CPU time spent until the first answer: unlike the wall clock, hardly moved by other work on the machine.
      const cpuMs = processCpuPreciseMs(started.pid) ?? processCpuMs(started.pid) ?? Number.NaN;
      await started.stop();
      return { coldStartMs, cpuMs };
    };
    const hello: Probe = { method: 'GET', path: '/' };
    const ids = readdirSync(path.join(ROOT, 'dist/functions'))
      .sort()
      .filter((id) => probes[id] && (!ONLY || ONLY.includes(id)));
    const builds: { label: string; dir: string }[] = [
      ...(COMPARE ? [{ label: 'compared', dir: path.resolve(COMPARE, 'functions') }] : []),
      { label: 'this', dir: path.join(ROOT, 'dist/functions') },
    ];
    type Sample = { coldStartMs: number; cpuMs: number };
    const median = (xs: Sample[], k: keyof Sample) => summarise(xs.map((x) => x[k])).p50;
    log(
      `load average at start: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}${COMPARE ? `; compared build: ${path.resolve(COMPARE)}` : ''}`,
    );
    log(`function           ${COMPARE ? 'build     ' : ''}fn ms  hello ms  ratio   fn CPU ms  hello CPU ms  ratio   (medians of ${RUNS}, started alternately)`);
    for (const id of ids) {
      const base: Sample[] = [];
      const fn = builds.map(() => [] as Sample[]);
      for (let i = 0; i < RUNS; i++) {
        const order = [-1, ...builds.keys()];
        for (const k of i % 2 ? order.reverse() : order) {
          if (k < 0) base.push(await once(HELLO_TARGET, path.join(ROOT, 'dist/bench/hello'), hello));
          else fn[k]!.push(await once(id, path.join(builds[k]!.dir, id), probes[id]!));
        }
      }
      const [h, hc] = [median(base, 'coldStartMs'), median(base, 'cpuMs')];
      builds.forEach((b, k) => {
        const [f, fc] = [median(fn[k]!, 'coldStartMs'), median(fn[k]!, 'cpuMs')];
        log(
          `${id.padEnd(16)} ${COMPARE ? `${b.label.padEnd(9)} ` : ''}${f.toFixed(1).padStart(7)} ${h.toFixed(1).padStart(9)}  ${(f / h).toFixed(2)}×  ${fc.toFixed(1).padStart(9)} ${hc.toFixed(1).padStart(13)}  ${(fc / hc).toFixed(2)}×${fc / hc > 1.5 ? '  CPU over 1.5×' : ''}`,
        );
      });
    }
    log(
      `load average at end: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await pubsub.stop();
    await db.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
