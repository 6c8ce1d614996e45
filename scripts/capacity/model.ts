/** The load model: flows a day from the assumptions, then per scenario (1×, 10×, 100×; ordinary, deadline) instances, connections, database CPU, messages, cache commands, logs, the first limit reached and the monthly cost. */
import { topology } from '../../shared/topology/topology';
import { NON_PROD_TRAFFIC_SHARE, PEAKS, PLATFORM, POPULATION, USE } from './assumptions';
import { flows, OPERATIONS, scheduledCallsPerDay, type Flow, type Operation } from './flows';
import { PRICES } from './prices';
import { connectionsNeeded, customTierFor, FUNCTIONS, tierShape, type EnvPlan } from './terraform-plan';
import { costsAt, type UnitCost } from './unit-costs';

export type Day = 'ordinary' | 'monthly-deadline' | 'annual-deadline';
export const DAYS: Day[] = ['ordinary', 'monthly-deadline', 'annual-deadline'];
type FlowName = 'serviceFee' | 'taxReturn' | 'browse';

export interface Population {
  onlineAdults: number;
  citizenUsers: number;
  serviceFeesYear: number;
  monthlyReturnsMonth: number;
  annualReturnsYear: number;
}

export function population(): Population {
  const onlineAdults = POPULATION.people.value * POPULATION.adultShare.value * POPULATION.internetShare.value;
  const citizenUsers = onlineAdults * USE.citizenAdoption.value;
  return {
    onlineAdults,
    citizenUsers,
    serviceFeesYear: citizenUsers * USE.serviceFeesPerCitizenYear.value + USE.businessTaxpayers.value * USE.businessServiceFeesYear.value,
    monthlyReturnsMonth: USE.businessTaxpayers.value * USE.monthlyReturnsPerBusiness.value,
    annualReturnsYear: USE.businessTaxpayers.value * USE.annualReturnsPerBusiness.value + USE.annualReturnsPersonal.value,
  };
}

/** Flows started on a working day of each kind, at 1×. */
export function flowsPerDay(day: Day, p = population()): Record<FlowName, number> {
  const serviceFee = p.serviceFeesYear / USE.workingDaysYear.value;
  const monthlyOrdinary = (p.monthlyReturnsMonth * (1 - PEAKS.monthlyShareLastWeek.value)) / (USE.workingDaysMonth.value - 5);
  const annualOrdinary = (p.annualReturnsYear * PEAKS.annualShareOutsidePeak.value) / (USE.workingDaysYear.value - USE.workingDaysMonth.value);
  const taxReturn =
    day === 'ordinary'
      ? monthlyOrdinary + annualOrdinary
      : day === 'monthly-deadline'
        ? p.monthlyReturnsMonth * PEAKS.monthlyShareOnDeadlineDay.value + annualOrdinary
        : monthlyOrdinary + p.annualReturnsYear * PEAKS.annualShareOnDeadlineDay.value;
  return { serviceFee, taxReturn, browse: (serviceFee + taxReturn) * USE.browseSessionsPerFlow.value };
}

/** Flows in an average month, at 1× (the monthly cost): the year's volumes over twelve. */
export function flowsPerMonth(p = population()): Record<FlowName, number> {
  const serviceFee = p.serviceFeesYear / 12;
  const taxReturn = p.monthlyReturnsMonth + p.annualReturnsYear / 12;
  return { serviceFee, taxReturn, browse: (serviceFee + taxReturn) * USE.browseSessionsPerFlow.value };
}

const FLOWS = flows(PLATFORM.webhookDuplicateRate.value);
const OPS = Object.keys(OPERATIONS) as Operation[];
const JOB_CALLS_PER_DAY = scheduledCallsPerDay(Object.values(topology.jobs).map((j) => j.schedule));
const HEALTH_PER_DAY = PLATFORM.uptimeChecksPerMinute.value * 1440;

/** Operations (and publishes, audited actions) of a number of flows. */
export function operationsOf(counts: Record<FlowName, number>): { ops: Record<Operation, number>; published: Flow['published']; audited: number } {
  const ops = Object.fromEntries(OPS.map((o) => [o, 0])) as Record<Operation, number>;
  const published = { 'payment-events': 0, 'payment-applied': 0, 'declaration-events': 0 };
  let audited = 0;
  for (const [name, n] of Object.entries(counts) as [FlowName, number][]) {
    const f = FLOWS[name];
    for (const [op, k] of Object.entries(f.steps) as [Operation, number][]) ops[op] += n * k;
    for (const t of Object.keys(published) as (keyof typeof published)[]) published[t] += n * f.published[t];
    audited += n * f.audited;
  }
  return { ops, published, audited };
}

/** The mix: each operation's share of the requests of a deadline day (what the rehearsal replays). */
export function deadlineMix(): Record<Operation, number> {
  const { ops } = operationsOf(flowsPerDay('annual-deadline'));
  const total = Object.values(ops).reduce((a, b) => a + b, 0);
  return Object.fromEntries(OPS.map((o) => [o, ops[o] / total])) as Record<Operation, number>;
}

export interface FunctionNeed {
  rps: number;
  /** Requests a second of each instance (its operations' costs are taken at this rate). */
  perInstanceRps: number;
  cpuCores: number;
  inflight: number;
  instances: number;
  /** Connections busy at once, per instance. */
  busyConnectionsPerInstance: number;
  peakRssMb: number;
  memoryMiB: number;
}

export interface Limit {
  id: string;
  what: string;
  used: number;
  limit: number;
  utilisation: number;
}

export interface Scenario {
  multiple: number;
  day: Day;
  flowsPerDay: Record<FlowName, number>;
  requestsPerDay: number;
  peakRps: number;
  functions: Record<string, FunctionNeed>;
  instances: number;
  openConnections: number;
  busyConnections: number;
  dbCpuCores: number;
  dbTierNeeded: string;
  pubsub: { publishPerS: number; deliverPerS: number };
  upstashPerS: number;
  logGibPerDay: number;
  auditedPerS: number;
  limits: Limit[];
  first: Limit;
}

/** Upstash commands of one operation: catalog entries (taxonomy + entry GET, SET on a miss), the per-address rate limit (INCR + PEXPIRE) on public routes. */
function upstashCommands(op: Operation): number {
  const rateLimit = 2;
  if (op === 'catalog.read') return 2 + PLATFORM.catalogCacheMissRate.value + rateLimit;
  if (op === 'auth.login') return 2 * rateLimit;
  if (op === 'webhook.bange') return rateLimit;
  return 0;
}

/**
 * Instances of one function: enough for its CPU at Cloud Run's target utilisation and for its requests in flight at
 * its concurrency, each operation costed at the rate one instance then serves. More instances mean fewer requests
 * each and so a higher cost per request (cost-curve.ts): the least number that covers its own needs is found by
 * raising it until it does (it stops growing as long as an instance's fixed overhead stays under the target).
 */
export function sizeFunction(
  ops: { rps: number; cost: UnitCost }[],
  concurrency: number,
  minInstances: number,
  dbRate?: number,
): { instances: number; cpuCores: number; inflight: number; busy: number } {
  const fnRps = ops.reduce((s, o) => s + o.rps, 0);
  const load = (instances: number) => {
    const rate = instances > 0 ? fnRps / instances : fnRps;
    const each = ops.map((o) => ({ rps: o.rps, c: costsAt(o.cost, rate, dbRate) }));
    return {
      cpuCores: each.reduce((s, o) => s + (o.rps * o.c.cpuMs) / 1000, 0),
      inflight: each.reduce((s, o) => s + (o.rps * o.c.inflightMs) / 1000, 0),
      busy: each.reduce((s, o) => s + (o.rps * o.c.dbHoldMs) / 1000, 0),
    };
  };
  let instances = Math.max(minInstances, fnRps > 0 ? 1 : 0);
  while (instances <= 100_000) {
    const l = load(instances);
    const needed = Math.max(
      Math.ceil(l.cpuCores / PLATFORM.targetCpuUtilisation.value - 1e-9),
      Math.ceil(l.inflight / concurrency - 1e-9),
      fnRps > 0 ? 1 : 0,
      minInstances,
    );
    if (needed <= instances) return { instances, ...l };
    instances = needed;
  }
  throw new Error(`no number of instances covers its own overhead (${fnRps.toFixed(1)} requests/s): an instance's fixed CPU is above the target`);
}

/** Peak-second rate of a daily count spread like traffic (peak hour × burst). */
const peakRate = (perDay: number) => (perDay * PEAKS.peakHourShare.value * PEAKS.burstFactor.value) / 3600;

export function scenario(multiple: number, day: Day, costs: Record<Operation, UnitCost>, rss: Record<string, number>, plan: EnvPlan): Scenario {
  const counts = Object.fromEntries(Object.entries(flowsPerDay(day)).map(([k, v]) => [k, v * multiple])) as Record<FlowName, number>;
  const { ops, published, audited } = operationsOf(counts);
  const rps = Object.fromEntries(OPS.map((o) => [o, peakRate(ops[o])])) as Record<Operation, number>;
  rps['job.run'] = JOB_CALLS_PER_DAY / 86_400 + 2 / 60;
  rps['health.check'] = HEALTH_PER_DAY / 86_400;
  /** Everything that reaches the database a second: PostgreSQL's per-request costs are taken at this rate. */
  const dbRate = OPS.reduce((s, o) => s + rps[o], 0);
  const functions: Record<string, FunctionNeed> = {};
  /** Requests a second each instance of a function serves: the rate its operations' costs are taken at. */
  const perInstance: Record<string, number> = {};
  for (const fn of FUNCTIONS) {
    const mine = OPS.filter((o) => OPERATIONS[o].fn === fn);
    const fnRps = mine.reduce((s, o) => s + rps[o], 0);
    const sized = sizeFunction(
      mine.map((o) => ({ rps: rps[o], cost: costs[o] })),
      plan.concurrency[fn]!,
      plan.minInstances[fn] ?? 0,
      dbRate,
    );
    perInstance[fn] = sized.instances ? fnRps / sized.instances : 0;
    functions[fn] = {
      rps: fnRps,
      perInstanceRps: perInstance[fn],
      cpuCores: sized.cpuCores,
      inflight: sized.inflight,
      instances: sized.instances,
      busyConnectionsPerInstance: sized.instances ? sized.busy / sized.instances : 0,
      peakRssMb: rss[fn] ?? 0,
      memoryMiB: plan.memoryMiB[fn]!,
    };
  }
  const instances = Object.values(functions).reduce((s, f) => s + f.instances, 0);
  const at = (o: Operation) => costsAt(costs[o], perInstance[OPERATIONS[o].fn] ?? 0, dbRate);
  const dbCpuCores = OPS.reduce((s, o) => s + (rps[o] * at(o).pgCpuMs) / 1000, 0);
  const busyConnections = OPS.reduce((s, o) => s + (rps[o] * at(o).dbHoldMs) / 1000, 0);
  const openConnections = instances * plan.dbPoolMax + 1;
  const publishPerS = peakRate(Object.values(published).reduce((a, b) => a + b, 0));
  const deliverPerS = peakRate(published['payment-events'] + 2 * published['payment-applied'] + published['declaration-events']);
  const upstashPerS = OPS.reduce((s, o) => s + rps[o] * upstashCommands(o), 0);
  const requestsPerDay = OPS.reduce((s, o) => s + ops[o], 0) + JOB_CALLS_PER_DAY + HEALTH_PER_DAY;
  const notificationsPerDay = ops['event.notify-payer'] + ops['event.notifications'];
  const logGibPerDay = (requestsPerDay * PLATFORM.requestLogBytes.value + notificationsPerDay * PLATFORM.appLogBytesPerNotification.value) / 2 ** 30;
  const auditedPerS = peakRate(audited);

  const limits: Limit[] = [
    ...FUNCTIONS.map((fn) => ({
      id: `instances:${fn}`,
      what: `${fn} instances / max_instances`,
      used: functions[fn]!.instances,
      limit: plan.maxInstances[fn]!,
    })),
    ...FUNCTIONS.filter((fn) => functions[fn]!.instances > 0).map((fn) => ({
      id: `pool:${fn}`,
      what: `${fn} busy connections per instance / DB_POOL_MAX`,
      used: functions[fn]!.busyConnectionsPerInstance,
      limit: plan.dbPoolMax,
    })),
    {
      id: 'db-connections',
      what: 'open connections (instances × pool + migrations) / max_connections − 10',
      used: openConnections,
      limit: plan.dbMaxConnections - 10,
    },
    {
      id: 'db-cpu',
      what: `Cloud SQL CPU at the peak second / ${PLATFORM.dbCpuTarget.value * 100} % of ${plan.dbTier}`,
      used: dbCpuCores,
      limit: plan.dbVcpu * PLATFORM.dbCpuTarget.value,
    },
    { id: 'audit-lock', what: 'audit log append lock (one at a time) busy share', used: (auditedPerS * PLATFORM.auditAppendLockMs.value) / 1000, limit: 1 },
    { id: 'upstash-rate', what: 'Upstash commands/s / plan ceiling', used: upstashPerS, limit: PLATFORM.upstashCommandsPerSecondLimit.value },
    ...FUNCTIONS.map((fn) => ({
      id: `memory:${fn}`,
      what: `${fn} peak RSS / instance memory`,
      used: functions[fn]!.peakRssMb,
      limit: functions[fn]!.memoryMiB,
    })),
  ].map((l) => ({ ...l, utilisation: l.limit > 0 ? l.used / l.limit : 0 }));
  // Memory does not grow with load (measured after 10,000 requests): the first limit is the first one load reaches.
  const first = limits.filter((l) => !l.id.startsWith('memory:')).reduce((a, b) => (b.utilisation > a.utilisation ? b : a));
  return {
    multiple,
    day,
    flowsPerDay: counts,
    requestsPerDay,
    peakRps: OPS.reduce((s, o) => s + rps[o], 0),
    functions,
    instances,
    openConnections,
    busyConnections,
    dbCpuCores,
    dbTierNeeded: customTierFor(dbCpuCores / PLATFORM.dbCpuTarget.value),
    pubsub: { publishPerS, deliverPerS },
    upstashPerS,
    logGibPerDay,
    auditedPerS,
    limits,
    first,
  };
}

/** The change that lifts each kind of limit. */
export function remedy(limit: Limit): string {
  const [kind, fn] = limit.id.split(':');
  switch (kind) {
    case 'instances':
      return `raise max_instances of ${fn} to ${Math.ceil(limit.used * 1.5)} (×1.5 headroom) and keep max instances × DB_POOL_MAX under max_connections − 10`;
    case 'pool':
      return `raise DB_POOL_MAX (or lower ${fn}'s concurrency) so a busy instance never queues for a connection`;
    case 'db-connections':
      return 'put connection pooling in front of Cloud SQL (managed pooling / PgBouncer, transaction mode) and lower DB_POOL_MAX to 2-3';
    case 'db-cpu':
      return 'next Cloud SQL tier; beyond 16 vCPU a read replica for the catalog misses, agent queues and finance reports; partition ledger and events by month';
    case 'audit-lock':
      return 'chain the audit log per ministry (one lock each) or append in batches';
    case 'upstash-rate':
      return "keep hot catalog entries in each instance's memory for a few seconds in front of Upstash; a fixed-price Upstash plan";
    case 'memory':
      return `raise ${fn}'s memory to the next size`;
    default:
      return 'see the decisions';
  }
}

export interface MonthlyCost {
  env: string;
  multiple: number;
  items: Record<string, number>;
  totalUsd: number;
  dbTier: string;
}

/** A month of an environment: volumes over twelve months, Cloud Run billed instance time from the arrivals (request-based billing), the database tier the plan (or the peak) needs. */
export function monthlyCost(env: EnvPlan, multiple: number, costs: Record<Operation, UnitCost>, peak: Scenario | null, trafficShare = 1): MonthlyCost {
  const monthFlows = Object.fromEntries(Object.entries(flowsPerMonth()).map(([k, v]) => [k, v * multiple * trafficShare])) as Record<FlowName, number>;
  const { ops, published } = operationsOf(monthFlows);
  ops['job.run'] += JOB_CALLS_PER_DAY * 30;
  ops['health.check'] += HEALTH_PER_DAY * 30;
  const busySeconds = USE.workingDaysMonth.value * 10 * 3600;
  const monthSeconds = 30 * 86_400;
  let vcpuS = 0;
  let gibS = 0;
  let requests = 0;
  for (const fn of FUNCTIONS) {
    const mine = (Object.keys(ops) as Operation[]).filter((o) => OPERATIONS[o].fn === fn);
    const n = mine.reduce((s, o) => s + ops[o], 0);
    if (n === 0) continue;
    const lambda = n / busySeconds;
    // One instance at the month's mean rate of its busy hours.
    const cpuS = mine.reduce((s, o) => s + (ops[o] * costsAt(costs[o], lambda).cpuMs) / 1000, 0);
    const inflightS = mine.reduce((s, o) => s + ops[o] * Math.max(costsAt(costs[o], lambda).inflightMs / 1000, 0.1), 0) / n;
    // Billed while at least one request is in flight (rounded up to 100 ms), or what the CPU work needs at the target utilisation.
    const billed = Math.max(busySeconds * (1 - Math.exp(-lambda * inflightS)), cpuS / PLATFORM.targetCpuUtilisation.value);
    vcpuS += billed;
    gibS += (billed * env.memoryMiB[fn]!) / 1024;
    requests += n;
    const idle = env.minInstances[fn]! * monthSeconds * PRICES.runIdleFactor.usd;
    vcpuS += idle;
    gibS += (idle * env.memoryMiB[fn]!) / 1024;
  }
  const prod = env.name === 'prod';
  const free = (used: number, allowance: number) => Math.max(0, used - (prod ? allowance : 0));
  const dbTier = peak && peak.dbTierNeeded && tierShape(peak.dbTierNeeded).vcpu > env.dbVcpu ? peak.dbTierNeeded : env.dbTier;
  const shape = tierShape(dbTier);
  const ha = env.regional ? PRICES.sqlHaFactor.usd : 1;
  const sqlCompute = dbTier.startsWith('db-custom')
    ? (shape.vcpu * PRICES.sqlVcpuHour.usd + shape.memoryGb * PRICES.sqlGbHour.usd) * 730
    : PRICES.sqlSharedSmallHour.usd * 730;
  const dataGb = Math.max(20, (multiple * trafficShare * (flowsPerMonth().serviceFee + flowsPerMonth().taxReturn) * 12 * 20_000) / 1e9);
  const pubsubGib =
    ((Object.values(published).reduce((a, b) => a + b, 0) + published['payment-events'] + 2 * published['payment-applied'] + published['declaration-events']) *
      PLATFORM.pubsubBilledBytes.value) /
    2 ** 30;
  const notifications = ops['event.notify-payer'] + ops['event.notifications'];
  const debugFactor = env.logLevel === 'debug' ? 3 : 1;
  const logGib = (requests * PLATFORM.requestLogBytes.value + notifications * PLATFORM.appLogBytesPerNotification.value * debugFactor) / 2 ** 30;
  const upstash = (Object.keys(ops) as Operation[]).reduce((s, o) => s + ops[o] * upstashCommands(o), 0);
  const items: Record<string, number> = {
    'Cloud Run CPU': free(vcpuS, PRICES.runFreeVcpuSeconds.usd) * PRICES.runVcpuSecond.usd,
    'Cloud Run memory': free(gibS, PRICES.runFreeGibSeconds.usd) * PRICES.runGibSecond.usd,
    'Cloud Run requests': (free(requests, PRICES.runFreeRequests.usd) / 1e6) * PRICES.runMillionRequests.usd,
    'Cloud SQL instance': sqlCompute * ha,
    'Cloud SQL storage': dataGb * PRICES.sqlSsdGbMonth.usd * ha,
    'Pub/Sub': (Math.max(0, pubsubGib - PRICES.pubsubFreeGib.usd) / 1024) * PRICES.pubsubTib.usd,
    'Cloud Logging': Math.max(0, logGib - PRICES.loggingFreeGib.usd) * PRICES.loggingGib.usd,
    Upstash: (upstash / 100_000) * PRICES.upstash100kCommands.usd,
    'VPC connector': 2 * PRICES.vpcConnectorInstanceMonth.usd,
    'Cloud Scheduler': prod
      ? (Object.keys(topology.jobs).length - 3) * PRICES.schedulerJobMonth.usd
      : Object.keys(topology.jobs).length * PRICES.schedulerJobMonth.usd,
  };
  const rounded = Object.fromEntries(Object.entries(items).map(([k, v]) => [k, Math.round(v * 100) / 100]));
  return { env: env.name, multiple, items: rounded, totalUsd: Math.round(Object.values(items).reduce((a, b) => a + b, 0)), dbTier };
}

export interface CapacityModel {
  population: Population;
  scenarios: Scenario[];
  costs: MonthlyCost[];
  prodConnectionsNeeded: number;
}

export function buildModel(costs: Record<Operation, UnitCost>, rss: Record<string, number>, plans: Record<'dev' | 'staging' | 'prod', EnvPlan>): CapacityModel {
  const scenarios = [1, 10, 100].flatMap((m) => DAYS.map((d) => scenario(m, d, costs, rss, plans.prod)));
  const worst = (m: number) => scenarios.filter((s) => s.multiple === m).reduce((a, b) => (b.dbCpuCores > a.dbCpuCores ? b : a));
  const monthly = [1, 10, 100].flatMap((m) => [
    monthlyCost(plans.dev, m, costs, null, NON_PROD_TRAFFIC_SHARE.value / m),
    monthlyCost(plans.staging, m, costs, null, NON_PROD_TRAFFIC_SHARE.value / m),
    monthlyCost(plans.prod, m, costs, worst(m)),
  ]);
  return { population: population(), scenarios, costs: monthly, prodConnectionsNeeded: connectionsNeeded(plans.prod) };
}
