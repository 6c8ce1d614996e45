/**
 * The deployed shape on one machine: every function of the topology built and run as its own process
 * (HTTP functions as several instances if asked), the Pub/Sub emulator with the topology's topics,
 * push subscriptions and dead letters, Hosting's routing on one port, Cloud Scheduler's jobs, the BANGE
 * sandbox as its own process, PostgreSQL, and the shared cache through the Upstash REST protocol.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { createDatabase } from '../../shared/adapters/db/database';
import { findFreePort, startLocalPostgres } from '../../shared/adapters/db/embedded-postgres';
import { LOCAL_STORAGE_PREFIX } from '../../shared/adapters/storage/local-folder-storage';
import { createLocalStorageHandler } from '../../shared/http/local-storage-handler';
import { notifyFinalizedUploads } from './storage-notifications';
import { localStorageRoot } from '../../shared/adapters/storage/object-storage';
import type { SigningKey } from '../../shared/domain/identity/key-ring';
import { seedDemoAccounts } from '../../shared/domain/identity/demo-accounts';
import { createProjectMigrator } from '../../shared/migrations';
import { randomIds } from '../../shared/ports/ids.port';
import { topology, type EventFunctionId, type FunctionId } from '../../shared/topology/topology';
import { buildAll } from '../build';
import { loadOrCreateLocalKeys } from '../local/local-keys';
import { loadOrCreateLocalStorageSecret } from '../local/local-storage-secret';
import { readHostingHeaders, readRewrites } from '../local/rewrites';
import { startUpstashBridge, type UpstashBridge } from '../upstash-bridge';
import { SANDBOX_READY } from './bange-sandbox-main';
import { applyTopologyToEmulator } from './emulator-topology';
import { functionEnvironment, type SharedSettings } from './function-environment';
import { startFunctionProcess, type FunctionProcess } from './function-process';
import { readPlans } from '../capacity/terraform-plan';
import { createHostingProxy } from './hosting-proxy';
import { startPubSubEmulator, type PubSubEmulator } from './pubsub-emulator';
import { createScheduler, type JobRun, type LocalScheduler } from './scheduler';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs');
/** Where the shape's own pages live on the public origin: run a scheduled job now. */
export const SCHEDULER_PREFIX = '/_scheduler/';

export interface DeployedShapeOptions {
  /** Keys, the storage secret, uploads and (embedded) PostgreSQL live here. */
  dataDir: string;
  /** The public port (0: a free one). */
  port?: number;
  /** Instances of each HTTP function (event functions run one each). */
  instances?: number;
  /** Requests one HTTP function instance serves at once; default: Terraform's, as production (terraform/modules/stack var.concurrency). */
  concurrency?: number;
  /** A PostgreSQL to use; else the embedded one under dataDir. */
  databaseUrl?: string;
  /** The Redis behind the Upstash REST bridge; undefined: each function keeps its cache in memory (one instance only). */
  redisUrl?: string;
  /** Built functions; built there first unless `build` is false. */
  distDir?: string;
  build?: boolean;
  demoPassword?: string;
  logLevel?: string;
  /** Fire the scheduled jobs on their cron (off: only on demand). */
  cron?: boolean;
  /** Environment added to every function. */
  extraEnv?: Record<string, string>;
  log?: (line: string) => void;
  /** Each line a function or the sandbox prints, tagged with its name. */
  onProcessLine?: (source: string, line: string) => void;
}

export interface DeployedShape {
  url: string;
  projectId: string;
  emulator: PubSubEmulator;
  database: { url: string; embedded: boolean };
  cache: 'upstash-bridge' | 'memory';
  sandboxUrl: string;
  scheduler: LocalScheduler;
  /** Running instances of each function. */
  instancesOf(id: string): FunctionProcess[];
  /** Stops every instance of a function (an outage, or a deploy). */
  stopFunction(id: FunctionId): Promise<void>;
  startFunction(id: FunctionId): Promise<void>;
  /** A new revision of every function with these secrets/variables changed (e.g. rotated AUTH_SIGNING_KEYS). */
  redeploy(change: { signingKeys?: SigningKey[]; env?: Record<string, string> }): Promise<void>;
  runJob(name: string): Promise<JobRun>;
  close(): Promise<void>;
}

function redisAnswers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port || 6379), hostname);
    socket.setTimeout(1000);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

function startSandbox(env: NodeJS.ProcessEnv, onLine: (line: string) => void): Promise<{ child: ChildProcess; url: string; apiUrl: string }> {
  const child = spawn(process.execPath, [TSX, path.join(__dirname, 'bange-sandbox-main.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`the BANGE sandbox did not start:\n${output}`))), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of chunk.toString().split('\n').filter(Boolean)) onLine(line);
      const match = new RegExp(`${SANDBOX_READY}(\\S+)`).exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, apiUrl: `${match[1]!}/sandbox/bange` });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`the BANGE sandbox exited (${code}):\n${output}`))));
  });
}

export async function startDeployedShape(options: DeployedShapeOptions): Promise<DeployedShape> {
  const log = options.log ?? (() => undefined);
  const onLine = options.onProcessLine ?? (() => undefined);
  const dataDir = path.resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const projectId = 'taxasge-local';
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    cleanups.length = 0;
  };

  try {
    // PostgreSQL, at head, with the demo accounts if asked.
    let databaseUrl = options.databaseUrl;
    if (!databaseUrl) {
      log(`starting the embedded PostgreSQL in ${dataDir}`);
      const pg = await startLocalPostgres({ dataDir });
      cleanups.push(() => pg.stop());
      databaseUrl = pg.url;
    }
    const applied = await createProjectMigrator(databaseUrl).up();
    log(`migrations at head (${applied.length} applied now)`);
    if (options.demoPassword) {
      const db = createDatabase({ connectionString: databaseUrl, max: 2, statementTimeoutMs: 30_000 });
      try {
        await seedDemoAccounts(db, randomIds, options.demoPassword);
      } finally {
        await db.close();
      }
    }

    // The shared cache: Upstash's REST protocol over a real Redis, as every instance reaches Upstash.
    let bridge: UpstashBridge | undefined;
    if (options.redisUrl && (await redisAnswers(options.redisUrl))) {
      bridge = await startUpstashBridge({ redisUrl: options.redisUrl, token: randomIds.uuid() });
      cleanups.push(() => bridge!.close());
    } else if (options.redisUrl) {
      throw new Error(
        `Redis does not answer at ${options.redisUrl}: start it (redis-server) or leave REDIS_URL unset to keep caches in each function's memory (one instance each).`,
      );
    }
    const instances = bridge ? Math.max(1, options.instances ?? 1) : 1;
    if (!bridge && (options.instances ?? 1) > 1)
      log('no Redis: running one instance of each function, since rate limits and caches would otherwise live in one instance only');

    const emulator = await startPubSubEmulator({ projectId });
    cleanups.push(() => emulator.stop());
    log(`Pub/Sub emulator at ${emulator.host}`);

    // The public origin first: functions and the bank need its URL.
    const port = options.port || (await findFreePort());
    const publicBaseUrl = `http://localhost:${port}`;
    const running = new Map<string, FunctionProcess[]>();
    const urlsOf = (id: string) => (running.get(id) ?? []).filter((p) => p.child.exitCode === null && p.child.signalCode === null).map((p) => p.url);

    const sandboxEnv = { PATH: process.env.PATH, LOG_LEVEL: options.logLevel ?? 'info' };
    const sandbox = await startSandbox(sandboxEnv, (line) => onLine('bange-sandbox', line));
    cleanups.push(async () => {
      if (sandbox.child.exitCode !== null) return;
      const exited = new Promise((r) => sandbox.child.once('exit', r));
      sandbox.child.kill('SIGTERM');
      await exited;
    });

    const distDir = path.resolve(options.distDir ?? path.join(ROOT, 'dist'));
    if (options.build !== false || !existsSync(path.join(distDir, 'functions'))) {
      log(`building the functions into ${distDir}`);
      await buildAll({ outDir: distDir, codeCache: false, log: () => undefined });
    }

    let signingKeys = loadOrCreateLocalKeys(dataDir);
    const settings = (): SharedSettings => ({
      projectId,
      publicBaseUrl,
      databaseUrl: databaseUrl!,
      dbPoolMax: 2, // as terraform/envs/dev: many small pools share one PostgreSQL
      logLevel: options.logLevel ?? 'info',
      dataDir,
      storageSecret: loadOrCreateLocalStorageSecret(dataDir),
      signingKeys,
      bangeApiUrl: sandbox.apiUrl,
      pubsubEmulatorHost: emulator.host,
      upstash: bridge ? { url: bridge.url, token: bridge.token } : undefined,
      ...(options.extraEnv ? { extra: options.extraEnv } : {}),
    });
    const httpIds = Object.keys(topology.httpFunctions) as FunctionId[];
    const eventIds = Object.keys(topology.eventFunctions) as EventFunctionId[];
    const ports = new Map<string, number[]>();
    for (const id of [...httpIds, ...eventIds])
      ports.set(id, await Promise.all(Array.from({ length: httpIds.includes(id) ? instances : 1 }, () => findFreePort())));

    async function startFunction(id: FunctionId): Promise<void> {
      const env = functionEnvironment(id, settings(), process.env);
      const started = await Promise.all(
        ports
          .get(id)!
          .map((p, i) =>
            startFunctionProcess({ id, source: path.join(distDir, 'functions', id), port: p, env, onLine: (line) => onLine(`${id}#${i + 1}`, line) }),
          ),
      );
      running.set(id, started);
    }
    async function stopFunction(id: FunctionId): Promise<void> {
      await Promise.all((running.get(id) ?? []).map((p) => p.stop()));
      running.set(id, []);
    }
    cleanups.push(async () => void (await Promise.all([...running.keys()].map((id) => stopFunction(id as FunctionId)))));
    // Two at a time: each start is mostly one core compiling its bundle.
    const all = [...httpIds, ...eventIds];
    for (let i = 0; i < all.length; i += 2) await Promise.all(all.slice(i, i + 2).map(startFunction));
    log(`${all.length} functions running (${instances} instance(s) of each HTTP function)`);

    await applyTopologyToEmulator({
      host: emulator.host,
      projectId,
      pushEndpoint: (fn, topic) => `http://127.0.0.1:${ports.get(fn)![0]}/projects/${projectId}/topics/${topic}`,
    });

    const scheduler = createScheduler({ target: (id) => urlsOf(id)[0], onRun: (r) => log(`scheduled job ${r.job}: ${r.status}`) });
    if (options.cron) scheduler.start();
    cleanups.push(async () => scheduler.stop());

    const schedulerMount = {
      prefix: SCHEDULER_PREFIX,
      handler: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
        const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(SCHEDULER_PREFIX.length));
        if (req.method !== 'POST' || !(name in topology.jobs)) {
          res.writeHead(404, { 'Content-Type': 'application/json' });
          return void res.end(JSON.stringify({ jobs: Object.keys(topology.jobs), usage: `POST ${SCHEDULER_PREFIX}<job>` }));
        }
        void scheduler.run(name).then((run) => {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(run));
        });
      },
    };
    const storageMount = {
      prefix: LOCAL_STORAGE_PREFIX,
      handler: createLocalStorageHandler({
        root: localStorageRoot(dataDir),
        secret: settings().storageSecret,
        // As Cloud Storage notifies document-uploads of each finalized object.
        onStored: notifyFinalizedUploads({ emulatorHost: emulator.host, projectId }),
      }),
    };
    const concurrency = options.concurrency ?? (await readPlans()).prod.concurrency[httpIds[0]!]!;
    const proxy = createHostingProxy({
      rewrites: readRewrites(),
      headers: readHostingHeaders(),
      instances: urlsOf,
      mounts: [storageMount, schedulerMount],
      concurrency,
    });
    await new Promise<void>((resolve, reject) => {
      proxy.once('error', reject);
      proxy.listen(port, resolve);
    });
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          proxy.closeAllConnections();
          proxy.close(() => resolve());
        }),
    );

    return {
      url: publicBaseUrl,
      projectId,
      emulator,
      database: { url: databaseUrl, embedded: !options.databaseUrl },
      cache: bridge ? 'upstash-bridge' : 'memory',
      sandboxUrl: sandbox.url,
      scheduler,
      instancesOf: (id) => running.get(id) ?? [],
      stopFunction,
      startFunction,
      async redeploy(change) {
        if (change.signingKeys) signingKeys = change.signingKeys;
        if (change.env) options = { ...options, extraEnv: { ...options.extraEnv, ...change.env } };
        for (const id of all) {
          await stopFunction(id);
          await startFunction(id);
        }
      },
      runJob: (name) => scheduler.run(name),
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
