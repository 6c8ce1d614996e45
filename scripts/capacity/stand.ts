/**
 * The stand the rehearsal and the calibration run on: the deployed shape here (every function its own process, one
 * instance each, Pub/Sub emulator, BANGE sandbox, the Upstash REST bridge over a private redis-server), a PostgreSQL
 * cluster of its own so that its CPU can be attributed, business accounts, and the meters both read: each function's
 * CPU (utime + stime of its processes), PostgreSQL's, Redis commands, what the event consumers were handed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client as PgClient } from 'pg';
import { findFreePort } from '../../shared/adapters/db/embedded-postgres';
import { postgresCpuMs, processCpuMs } from '../../bench/lib/load';
import { startOwnCluster, type OwnCluster } from '../../bench/lib/own-cluster';
import { startDeployedShape, type DeployedShape } from '../deployed/deployed-shape';
import { createClient, type Client } from './client';
import { OPERATIONS } from './flows';

export const PASSWORD = 'Rehearsal-Passw0rd!';
export const AGENT = 'agent.m-007@demo.taxasge.gq';

async function startRedis(): Promise<{ child: ChildProcess; url: string; port: number }> {
  const port = await findFreePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try {
      if (
        execFileSync('redis-cli', ['-p', String(port), 'PING'])
          .toString()
          .includes('PONG')
      )
        return { child, url: `redis://127.0.0.1:${port}`, port };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('redis-server did not start (the rehearsal needs it: apt-get install redis-server)');
}

/** What the stand has done so far: events written per topic, webhooks stored, deliveries handled per subscription (inbox). */
export interface Counters {
  published: Record<string, number>;
  webhooks: number;
  handled: Record<string, number>;
}

/** One reading of every meter. */
export interface Reading {
  t: number;
  cpu: Record<string, number>;
  pg: number;
}

export interface Stand {
  shape: DeployedShape;
  client: Client;
  db: PgClient;
  /** The functions the flows use, each with its processes. */
  functions: string[];
  read(): Reading;
  counters(): Promise<Counters>;
  redisCalls(): number;
  /** CPU each function and PostgreSQL ('postgres') burn a second doing nothing: the median of 4-second pieces of `seconds`. */
  measureIdle(seconds: number): Promise<Record<string, number>>;
  /** Where PostgreSQL's CPU comes from. */
  postgresSource: string;
  citizens: string[];
  login(email: string, from: number): Promise<string>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * PostgreSQL: a cluster of the stand's own (initdb, as the bench does) when PostgreSQL's binaries are here, so that
 * only its processes are counted; else a throwaway database on DATABASE_URL's server, counting every postgres process
 * of the machine (other work on that server then lands in the figures).
 */
async function startDatabase(log: (l: string) => void): Promise<{ url: string; cpuMs: () => number; source: string; close: () => Promise<void> }> {
  let cluster: OwnCluster | undefined;
  try {
    cluster = await startOwnCluster({ port: await findFreePort(), sharedBuffers: '128MB' });
  } catch (err) {
    log(`no PostgreSQL cluster of its own (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); using DATABASE_URL`);
  }
  // The stand is a command-line entry like the bench: it reads where PostgreSQL is.
  const baseUrl = cluster?.adminUrl ?? process.env.DATABASE_URL;
  if (!baseUrl) throw new Error('the rehearsal needs PostgreSQL: its binaries (PG_BIN, for a cluster of its own) or DATABASE_URL');
  const dbName = `taxasge_rehearsal_${process.pid}`;
  const admin = new PgClient({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(baseUrl);
  url.pathname = `/${dbName}`;
  return {
    url: url.toString(),
    cpuMs: cluster ? () => cluster.cpuMs() : postgresCpuMs,
    source: cluster ? 'a cluster of its own (its postmaster and children)' : 'every postgres process of the machine (DATABASE_URL)',
    close: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
      await admin.end();
      await cluster?.stop();
    },
  };
}

export async function startStand(options: { accounts: number; log: (line: string) => void }): Promise<Stand> {
  const { log } = options;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'taxasge-rehearsal-'));
  const cleanups: (() => Promise<unknown> | void)[] = [() => rmSync(dataDir, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
  };
  try {
    const database = await startDatabase(log);
    cleanups.push(database.close);
    const redis = await startRedis();
    cleanups.push(() => void redis.child.kill('SIGTERM'));
    const shape = await startDeployedShape({
      dataDir,
      instances: 1,
      databaseUrl: database.url,
      redisUrl: redis.url,
      distDir: path.join(dataDir, 'dist'),
      demoPassword: PASSWORD,
      logLevel: 'warning',
      cron: false,
      extraEnv: {
        RATE_LIMIT_PUBLIC_PER_MINUTE: '1000000',
        RATE_LIMIT_REGISTRATIONS_PER_HOUR: '1000000',
        // What production's functions do per request, not the development defaults of the deployed shape: no check
        // of each response against its schema (off when ENVIRONMENT=production), and the fleet's metrics upserted
        // into PostgreSQL once a minute as Terraform sets them (the shape's 2 s is for short tests to see their own).
        RESPONSE_VALIDATION: 'off',
        METRICS_FLEET_INTERVAL_SECONDS: '60',
      },
      log,
    });
    cleanups.push(() => shape.close());
    const db = new PgClient({ connectionString: database.url });
    await db.connect();
    cleanups.push(() => db.end());
    const client = createClient(shape.url);
    cleanups.push(() => client.close());

    const functions = [...new Set(Object.values(OPERATIONS).map((o) => o.fn as string))];
    const pids = Object.fromEntries(functions.map((fn) => [fn, shape.instancesOf(fn).map((p) => p.child.pid!)]));
    const read = (): Reading => ({
      t: performance.now(),
      cpu: Object.fromEntries(Object.entries(pids).map(([fn, ps]) => [fn, ps.reduce((s, pid) => s + (processCpuMs(pid) ?? 0), 0)])),
      pg: database.cpuMs(),
    });

    log(`${options.accounts} business accounts…`);
    const citizens: string[] = [];
    for (let i = 0; i < options.accounts; i++) {
      const email = `rehearsal-${i}@rehearsal.taxasge.gq`;
      const r = await client.request(null, 'POST', '/api/v1/auth/register', {
        body: { email, password: PASSWORD, fullName: `Ciudadano ${i}`, accountType: 'business', taxId: `GQ${String(100000 + i)}` },
        from: i,
      });
      if (r.status !== 201) throw new Error(`register answered ${r.status}: ${JSON.stringify(r.body)}`);
      citizens.push(email);
    }

    return {
      shape,
      client,
      db,
      functions,
      read,
      postgresSource: database.source,
      citizens,
      async counters() {
        const published = (await db.query<{ topic: string; n: number }>('SELECT topic, count(*)::int AS n FROM event_outbox GROUP BY 1')).rows;
        const handled = (await db.query<{ subscription: string; n: number }>('SELECT subscription, count(*)::int AS n FROM processed_events GROUP BY 1')).rows;
        const webhooks = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_events')).rows[0]!.n;
        return {
          published: Object.fromEntries(published.map((r) => [r.topic, r.n])),
          webhooks,
          handled: Object.fromEntries(handled.map((r) => [r.subscription, r.n])),
        };
      },
      redisCalls: () =>
        execFileSync('redis-cli', ['-p', String(redis.port), 'INFO', 'commandstats'])
          .toString()
          .split('\n')
          .filter((l) => l.startsWith('cmdstat_') && !/^cmdstat_(info|ping|multi|exec)/.test(l))
          .reduce((s, l) => s + Number(/calls=(\d+)/.exec(l)?.[1] ?? 0), 0),
      async measureIdle(seconds) {
        // In 4-second pieces, each function's median: a transient (the collection of a warm-up's garbage, a late
        // delivery) in one piece is not what the process burns idle. 4 s is 400 ticks of the kernel's 10 ms.
        const pieces = Math.max(1, Math.round(seconds / 4));
        const rates: Record<string, number>[] = [];
        let a = read();
        for (let i = 0; i < pieces; i++) {
          await sleep((seconds / pieces) * 1000);
          const b = read();
          const perS = (x: number, y: number) => ((y - x) / (b.t - a.t)) * 1000;
          rates.push({ ...Object.fromEntries(functions.map((fn) => [fn, perS(a.cpu[fn]!, b.cpu[fn]!)])), postgres: perS(a.pg, b.pg) });
          a = b;
        }
        const median = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)]!;
        return Object.fromEntries(Object.keys(rates[0]!).map((k) => [k, median(rates.map((r) => r[k]!))]));
      },
      async login(email, from) {
        const r = await client.request(null, 'POST', '/api/v1/auth/login', { body: { email, password: PASSWORD }, from });
        if (r.status !== 200) throw new Error(`login of ${email} answered ${r.status}: ${JSON.stringify(r.body)}`);
        return r.body.accessToken as string;
      },
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
