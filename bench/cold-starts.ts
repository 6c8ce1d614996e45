/**
 * `npm run bench:cold`: the cold start of each built function beside the hello-world, started
 * alternately (hello, function, hello, function…) so both see the same machine load; median of
 * `--runs` (default 9) of spawn → first 2xx of the function's probe (the bench's, bench/lib/phases.ts).
 * `--only=a,b` limits the functions. The ratio, not the milliseconds, is the figure on a shared machine.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDatabase } from '../shared/adapters/db/database';
import { findFreePort } from '../shared/adapters/db/embedded-postgres';
import { buildAll } from '../scripts/build';
import { openBenchDatabase } from './lib/database';
import { createIdentity, insertPendingPayments } from './lib/fixtures';
import { buildHelloWorld, HELLO_TARGET } from './lib/functions';
import { processCpuMs, summarise } from './lib/load';
import { functionProbes } from './lib/phases';
import { ROOT, startFunction, type Probe } from './lib/processes';
import { startBenchPubSub } from './lib/pubsub';

const option = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const RUNS = Number(option('runs') ?? 9);
const ONLY = option('only')?.split(',');
const SKIP_BUILD = process.argv.includes('--no-build');
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
      const cpuMs = processCpuMs(started.pid) ?? Number.NaN;
      await started.stop();
      return { coldStartMs, cpuMs };
    };
    const hello: Probe = { method: 'GET', path: '/' };
    const ids = readdirSync(path.join(ROOT, 'dist/functions'))
      .sort()
      .filter((id) => probes[id] && (!ONLY || ONLY.includes(id)));
    log(`function           fn ms  hello ms  ratio   fn CPU ms  hello CPU ms  ratio   (medians of ${RUNS}, started alternately)`);
    for (const id of ids) {
      const fn: { coldStartMs: number; cpuMs: number }[] = [];
      const base: { coldStartMs: number; cpuMs: number }[] = [];
      for (let i = 0; i < RUNS; i++) {
        base.push(await once(HELLO_TARGET, path.join(ROOT, 'dist/bench/hello'), hello));
        fn.push(await once(id, path.join(ROOT, 'dist/functions', id), probes[id]!));
      }
      const median = (xs: { coldStartMs: number; cpuMs: number }[], k: 'coldStartMs' | 'cpuMs') => summarise(xs.map((x) => x[k])).p50;
      const [f, h, fc, hc] = [median(fn, 'coldStartMs'), median(base, 'coldStartMs'), median(fn, 'cpuMs'), median(base, 'cpuMs')];
      log(
        `${id.padEnd(16)} ${f.toFixed(1).padStart(7)} ${h.toFixed(1).padStart(9)}  ${(f / h).toFixed(2)}×  ${fc.toFixed(0).padStart(9)} ${hc.toFixed(0).padStart(13)}  ${(fc / hc).toFixed(2)}×${f / h > 1.5 ? '  over 1.5×' : ''}`,
      );
    }
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
