/** Per-request CPU (function and PostgreSQL), in-flight time and memory of every operation, from the same-run figures of bench/results/latest.json. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OPERATIONS, type Operation } from './flows';
import { PLATFORM } from './assumptions';
import { costAt, flat, type CostCurve } from './cost-curve';

interface Point {
  rps: number;
  p50: number;
  serverCpuMsPerRequest: number | null;
  postgresCpuMsPerRequest: number | null;
}

/** The parts of bench/results/latest.json the model reads (bench/run.ts writes them). */
export interface BenchResults {
  date: string;
  quick: boolean;
  machine: { nproc: number; cpuModel: string };
  functions: { id: string; probe: string; rss: { peakMb: number; rps: number; requests: number } }[];
  catalog: { points: Record<string, Point> };
  writes: { declarationCreate: Point; paymentCreate: Point };
  webhooks: { deployed: { capacity: Point }; inProcess: { capacity: Point } };
}

export interface UnitCost {
  /** CPU of the function's instance per request at saturation (the bench), ms. */
  cpuMs: number;
  /** CPU of PostgreSQL per request at saturation (the bench), ms. */
  pgCpuMs: number;
  /** CPU of the function's instance per request as a function of the instance's rate (flat at cpuMs until calibrated). */
  cpu: CostCurve;
  /** PostgreSQL's, likewise (calibrated: including the event deliveries the request sets off). */
  pg: CostCurve;
  /** Time the request is in flight in its instance (for concurrency), ms. */
  inflightMs: number;
  /** Time it holds a pooled connection, ms. */
  dbHoldMs: number;
  /** Statements sent (for the hold time), assumption. */
  statements: number;
  source: string;
}

export const RESULTS_FILE = path.resolve(__dirname, '../../bench/results/latest.json');

export function readBench(file = RESULTS_FILE): BenchResults {
  return JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
}

const r3 = (n: number) => Math.round(n * 1000) / 1000;

/** Statements per operation (read from the repositories' code paths, rounded): they set the time a connection is held. */
const STATEMENTS: Record<Operation, number> = {
  'catalog.read': 2,
  'auth.login': 4,
  'auth.me': 1,
  'declaration.create': 8,
  'declaration.submit': 7,
  'declaration.get': 2,
  'declaration.list': 2,
  'agent.queue': 2,
  'agent.claim': 6,
  'agent.approve': 8,
  'payment.create': 8,
  'payment.get': 1,
  'receipt.get': 2,
  'webhook.bange': 5,
  'event.apply-payment': 12,
  'event.issue-receipt': 5,
  'event.notify-payer': 6,
  'event.notifications': 6,
  'job.run': 4,
  'health.check': 1,
};

/**
 * Every operation's costs. Measured directly where the bench has the point; otherwise derived, and said so:
 * - functions the bench only probed (10,000 requests at 16 connections, one process): CPU ≤ 1000 / probe rps ms
 *   (the process cannot use more than one core), PostgreSQL as a cached-read's share of it;
 * - event consumers: the whole pipeline in one process (webhook → apply → receipt → notify) minus ingestion,
 *   split between the consumers in proportion to their probe costs;
 * - login: one scrypt hash (measured, assumptions.ts) on top of the auth probe;
 * - agent writes and submit: the declaration create (one transition, its event and audit in one transaction).
 */
export function unitCosts(bench: BenchResults): Record<Operation, UnitCost> {
  const probe = (id: string) => {
    const f = bench.functions.find((x) => x.id === id);
    if (!f) throw new Error(`bench/results/latest.json has no probe of ${id}`);
    return 1000 / f.rss.rps;
  };
  const cat = bench.catalog.points;
  const hit = cat['list@4']!;
  const miss = cat['searchUncached@64']!;
  const missRate = PLATFORM.catalogCacheMissRate.value;
  const decl = bench.writes.declarationCreate;
  const pay = bench.writes.paymentCreate;
  const ingest = bench.webhooks.deployed.capacity;
  const pipeline = bench.webhooks.inProcess.capacity;
  // The event consumers' share of the one-process pipeline, per applied payment (2 declaration events per payment in the bench's fixtures).
  const consumers = {
    'event.apply-payment': probe('apply-payment'),
    'event.issue-receipt': probe('issue-receipt'),
    'event.notify-payer': probe('notify-payer'),
    'event.notifications': 2 * probe('notifications'),
  };
  const consumersTotal = Object.values(consumers).reduce((a, b) => a + b, 0);
  const pipelineServer = pipeline.serverCpuMsPerRequest! - ingest.serverCpuMsPerRequest!;
  const pipelinePg = pipeline.postgresCpuMsPerRequest!;
  const ingestPgShare = ingest.serverCpuMsPerRequest! / pipeline.serverCpuMsPerRequest!;
  const share = (op: keyof typeof consumers) => (consumers[op] / consumersTotal) * (op === 'event.notifications' ? 0.5 : 1);
  const readPgRatio = (miss.postgresCpuMsPerRequest ?? 0) / miss.serverCpuMsPerRequest!;

  const cost = (op: Operation, cpuMs: number, pgCpuMs: number, source: string, extraInflightMs = 0): UnitCost => {
    const statements = STATEMENTS[op];
    const dbHoldMs = pgCpuMs + statements * PLATFORM.dbRoundTripMs.value;
    return {
      cpuMs: r3(cpuMs),
      pgCpuMs: r3(pgCpuMs),
      cpu: flat(r3(cpuMs)),
      pg: flat(r3(pgCpuMs)),
      inflightMs: r3(cpuMs + dbHoldMs + extraInflightMs),
      dbHoldMs: r3(dbHoldMs),
      statements,
      source,
    };
  };
  const probed = (op: Operation, id: string) =>
    cost(op, probe(id), probe(id) * readPgRatio, `≤ 1000 / ${id} probe rps; PostgreSQL at the cache-missed read's ratio (derived)`);
  const writeLike = (op: Operation, what: string) =>
    cost(
      op,
      decl.serverCpuMsPerRequest!,
      decl.postgresCpuMsPerRequest!,
      `as declaration create (${what}: one transition, event and audit in one transaction; derived)`,
    );
  const consumer = (op: keyof typeof consumers) =>
    cost(op, pipelineServer * share(op), pipelinePg * (1 - ingestPgShare) * share(op), 'one-process pipeline minus ingestion, split by probe cost (derived)');

  const costs: Record<Operation, UnitCost> = {
    'catalog.read': cost(
      'catalog.read',
      hit.serverCpuMsPerRequest! * (1 - missRate) + miss.serverCpuMsPerRequest! * missRate,
      (miss.postgresCpuMsPerRequest ?? 0) * missRate,
      `catalog list at 4 conns (cached) and search cache-missed at 64, ${missRate * 100} % misses`,
    ),
    'auth.login': cost('auth.login', probe('auth') + PLATFORM.scryptCpuMs.value, probe('auth') * readPgRatio * 2, 'auth probe + one scrypt hash (measured)'),
    'auth.me': probed('auth.me', 'auth'),
    'declaration.create': cost('declaration.create', decl.serverCpuMsPerRequest!, decl.postgresCpuMsPerRequest!, 'declaration create, 64 conns (measured)'),
    'declaration.submit': writeLike('declaration.submit', 'submit'),
    'declaration.get': probed('declaration.get', 'declarations'),
    'declaration.list': probed('declaration.list', 'declarations'),
    'agent.queue': probed('agent.queue', 'agent'),
    'agent.claim': writeLike('agent.claim', 'claim'),
    'agent.approve': writeLike('agent.approve', 'approve'),
    'payment.create': cost(
      'payment.create',
      pay.serverCpuMsPerRequest!,
      pay.postgresCpuMsPerRequest!,
      "payment create with the BANGE sandbox in the same process, 64 conns (measured; the sandbox's share makes it an upper bound)",
      PLATFORM.bangeLatencyMs.value,
    ),
    'payment.get': probed('payment.get', 'payments'),
    'receipt.get': probed('receipt.get', 'payments'),
    'webhook.bange': cost(
      'webhook.bange',
      ingest.serverCpuMsPerRequest!,
      pipelinePg * ingestPgShare,
      'webhooks function → Pub/Sub, 64 conns (measured); PostgreSQL as its CPU share of the pipeline (derived)',
    ),
    'event.apply-payment': consumer('event.apply-payment'),
    'event.issue-receipt': consumer('event.issue-receipt'),
    'event.notify-payer': consumer('event.notify-payer'),
    'event.notifications': consumer('event.notifications'),
    'job.run': probed('job.run', 'jobs'),
    'health.check': probed('health.check', 'health'),
  };
  for (const op of Object.keys(OPERATIONS) as Operation[]) if (!costs[op]) throw new Error(`no unit cost for ${op}`);
  return costs;
}

/**
 * An operation's costs when its instance serves `rate` requests a second and the database `dbRate` (every request and
 * delivery that reaches it): CPU at the instance's rate; PostgreSQL at the database's, since its own upkeep (WAL
 * writer, checkpoints, autovacuum, statistics) is shared by everything it serves, not by one function's requests.
 */
export function costsAt(c: UnitCost, rate: number, dbRate = rate): { cpuMs: number; pgCpuMs: number; dbHoldMs: number; inflightMs: number } {
  const cpuMs = costAt(c.cpu, rate);
  const pgCpuMs = costAt(c.pg, dbRate);
  const dbHoldMs = pgCpuMs + c.statements * PLATFORM.dbRoundTripMs.value;
  // What is in flight beyond CPU and the connection (BANGE's answer for a payment) stays as the bench derived it.
  const beyond = c.inflightMs - c.cpuMs - c.dbHoldMs;
  return { cpuMs, pgCpuMs, dbHoldMs, inflightMs: cpuMs + dbHoldMs + beyond };
}

/** Peak RSS of each function after 10,000 requests (bench), MB. */
export function peakRss(bench: BenchResults): Record<string, number> {
  return Object.fromEntries(bench.functions.map((f) => [f.id, f.rss.peakMb]));
}
