/** One load point with autocannon: every response time kept (for p50/p95/p99), and the CPU the server and PostgreSQL spent on it. */
import { readdirSync, readFileSync } from 'node:fs';
import autocannon, { type RequestSpec } from 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  /** Seconds; ignored when amount is set. */
  duration?: number;
  amount?: number;
  maxOverallRequests?: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  requests?: RequestSpec[];
  /** The server process whose CPU time is charged to this point. */
  serverPid?: number;
  /** Also charge the CPU time of every `postgres` process (the machine's cluster is shared: approximate). */
  postgresCpu?: boolean;
  /** Stops a point that has not finished its `amount` after this many seconds (what was done is reported). */
  stopAfterS?: number;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LoadResult extends LatencySummary {
  connections: number;
  durationS: number;
  requests: number;
  rps: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  serverCpuMsPerRequest: number | null;
  postgresCpuMsPerRequest: number | null;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Nearest-rank percentiles of a sample, in the sample's unit. */
export function summarise(values: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]! : Number.NaN);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    p50: round(at(50)),
    p95: round(at(95)),
    p99: round(at(99)),
    max: round(at(100)),
    mean: round(sorted.length ? sum / sorted.length : Number.NaN),
  };
}

const TICKS_PER_SECOND = 100;

/** utime + stime of a process, in ms; undefined once it is gone. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * CPU time of a live process in ms, to the nanosecond: the sum over its threads of the time the
 * scheduler ran them (/proc/<pid>/task/<tid>/schedstat), where utime + stime count 10 ms ticks. Threads
 * that already ended are missed (a cold start ends none of Node's); undefined once the process is gone
 * or where schedstat is not kept, so callers fall back to processCpuMs.
 */
export function processCpuPreciseMs(pid: number): number | undefined {
  try {
    let ns = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    return Number.isFinite(ns) && ns > 0 ? ns / 1e6 : undefined;
  } catch {
    return undefined;
  }
}

let postgresSource: (() => number) | undefined;

/**
 * Where PostgreSQL's CPU is read from: the bench's own cluster (its postmaster and that postmaster's
 * children, bench/lib/own-cluster.ts), which can be attributed. Unset, every `postgres` process on the
 * machine is counted, which a cluster shared with other work makes meaningless (negative, even).
 */
export function attributePostgresCpu(source: () => number): void {
  postgresSource = source;
}

/** CPU time of PostgreSQL: the attributed cluster's, else every process named postgres (backends, checkpointer, WAL writer…). */
export function postgresCpuMs(): number {
  if (postgresSource) return postgresSource();
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      total += processCpuMs(Number(entry)) ?? 0;
    } catch {
      // the process ended while we looked
    }
  }
  return total;
}

/** Resident set size of a process, in MB (VmRSS), and its peak (VmHWM). */
export function processRss(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMb: round(kb('VmRSS') / 1024, 1), peakMb: round(kb('VmHWM') / 1024, 1) };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const cpuBefore = options.serverPid ? processCpuMs(options.serverPid) : undefined;
  const pgBefore = options.postgresCpu ? postgresCpuMs() : undefined;
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.duration ?? 10 }),
    ...(options.maxOverallRequests ? { maxOverallRequests: options.maxOverallRequests } : {}),
    ...(options.method ? { method: options.method } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.body !== undefined ? { body: options.body } : {}),
    ...(options.requests ? { requests: options.requests } : {}),
    timeout: 20,
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    latencies.push(responseTime);
  });
  const stopper = options.stopAfterS ? setTimeout(() => instance.stop(), options.stopAfterS * 1000) : undefined;
  const result = await instance;
  clearTimeout(stopper);
  const cpuAfter = options.serverPid ? processCpuMs(options.serverPid) : undefined;
  const pgAfter = options.postgresCpu ? postgresCpuMs() : undefined;
  const requests = result.requests.total;
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, Number(s.count)]));
  const ok = Object.entries(statusCodes).reduce((n, [code, count]) => (code.startsWith('2') ? n + count : n), 0);
  const perRequest = (before: number | undefined, after: number | undefined) =>
    before !== undefined && after !== undefined && requests > 0 ? round((after - before) / requests, 3) : null;
  return {
    connections: options.connections,
    durationS: round(result.duration, 2),
    requests,
    rps: round(requests / result.duration, 0),
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    ...summarise(latencies),
    serverCpuMsPerRequest: perRequest(cpuBefore, cpuAfter),
    postgresCpuMsPerRequest: perRequest(pgBefore, pgAfter),
  };
}
