/**
 * `npm run start:deployed`: the deployed shape on this machine (scripts/deployed/deployed-shape.ts).
 * Options: --instances N (of each HTTP function), --no-build (reuse dist/), --no-cron (jobs on demand
 * only), --quiet (hide the functions' logs). Environment: PORT (default 8080), DATA_DIR, DATABASE_URL,
 * REDIS_URL (default redis://127.0.0.1:6379 when it answers), DEMO_PASSWORD, LOG_LEVEL.
 */
import { connect } from 'node:net';
import { SCHEDULER_PREFIX, startDeployedShape } from './deployed/deployed-shape';
import { topology } from '../shared/topology/topology';

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const localRedisAnswers = () =>
  new Promise<boolean>((resolve) => {
    const s = connect(6379, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

async function main(args: string[]) {
  const env = process.env;
  const instances = Number(flag(args, '--instances') ?? '1');
  if (!Number.isInteger(instances) || instances < 1 || instances > 8) throw new Error('--instances expects a whole number from 1 to 8');
  const redisUrl = env.REDIS_URL || ((await localRedisAnswers()) ? 'redis://127.0.0.1:6379' : undefined);
  const quiet = args.includes('--quiet');
  const shape = await startDeployedShape({
    dataDir: env.DATA_DIR || './.data/deployed',
    port: Number(env.PORT || 8080),
    instances,
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    ...(redisUrl ? { redisUrl } : {}),
    build: !args.includes('--no-build'),
    cron: !args.includes('--no-cron'),
    ...(env.DEMO_PASSWORD ? { demoPassword: env.DEMO_PASSWORD } : {}),
    logLevel: env.LOG_LEVEL || 'info',
    log: (line) => console.log(`[deployed] ${line}`),
    onProcessLine: quiet ? undefined : (source, line) => console.log(`[${source}] ${line}`),
  });
  const base = shape.url;
  console.log(
    [
      '',
      `TaxasGE, deployed shape, at ${base}  (Hosting rewrites of firebase.json)`,
      `  Functions:  ${Object.keys(topology.httpFunctions).length} HTTP × ${shape.instancesOf('auth').length} instance(s), ${Object.keys(topology.eventFunctions).length} event functions, each its own process`,
      `  API docs:   ${base}/api/v1/docs`,
      `  Health:     ${base}/health/ready`,
      `  Pub/Sub:    emulator at ${shape.emulator.host}, project ${shape.projectId} (topics, push subscriptions and dead letters of shared/topology/topology.json)`,
      `  Scheduler:  ${args.includes('--no-cron') ? 'on demand only' : 'on cron (Africa/Malabo)'}; run a job now: curl -X POST ${base}${SCHEDULER_PREFIX}<job> (${Object.keys(topology.jobs).join(', ')})`,
      `  BANGE:      sandbox process at ${shape.sandboxUrl}`,
      `  Database:   ${shape.database.embedded ? 'embedded PostgreSQL' : 'DATABASE_URL'}`,
      `  Cache:      ${shape.cache === 'upstash-bridge' ? `Upstash REST bridge over ${redisUrl}` : "in each function's memory (no Redis answered)"}`,
      '  Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[deployed] ${signal}: stopping every process`);
    await shape.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
