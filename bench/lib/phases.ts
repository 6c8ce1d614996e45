/** The measured points: catalog reads at several loads and sizes, then declarations, payments and webhooks on the local server. */
import type { RequestSpec } from 'autocannon';
import type { Database, Queryable } from '../../shared/ports/database.port';
import { findServices } from '../../shared/domain/catalog/catalog.repository';
import { DECLARATION_EVENT_SOURCE } from '../../shared/domain/events/declaration-events';
import { PAYMENT_EVENT_SOURCE } from '../../shared/domain/payments/webhook-ingestion';
import { PAYMENT_APPLIED, PAYMENT_APPLIED_SOURCE } from '../../shared/domain/payments/payment.types';
import type { DomainEvent, Topic } from '../../shared/ports/event-bus.port';
import { signedWebhook, type Identity, type PendingPayment } from './fixtures';
import { pushDelivery } from './pubsub';
import { postgresCpuMs, processCpuMs, runLoad, type LoadOptions, type LoadResult } from './load';
import type { Probe, Started } from './processes';
import { checkIngestion, checkLedger, receiptLatency, sendPaced, WebhookStream, type IngestionCheck, type LedgerCheck, type PacedResult } from './webhooks';

export interface Phases {
  scale: { pointS: number; warmupS: number; sustainedS: number; sustainedRate: number; latencyCount: number; drainTimeoutMs: number };
  db: Database;
  hello: Started;
  server: () => Started;
  /** The fiscal-services function as deployed (built, under the framework's CLI): the catalog points' target. */
  catalog: () => Started;
  log: (line: string) => void;
  identity: Identity;
}

/** The request each function's cold start waits for (its first 2xx) and that its 10,000 requests repeat. */
export function functionProbes(identity: Identity, pool: PendingPayment[], citizens: PendingPayment[]): Record<string, Probe> {
  const bearer = (who: keyof Identity['accounts']) => ({ authorization: `Bearer ${identity.accounts[who].token}` });
  let n = 0;
  const json = { 'content-type': 'application/json' };
  // Each delivery a new event about the next payment of the pool, as Pub/Sub pushes it.
  const push =
    (topic: Topic, subscription: string, make: (p: PendingPayment, id: string) => DomainEvent): Probe['body'] =>
    () => {
      const i = n++;
      const payment = pool[i % pool.length]!;
      const delivery = pushDelivery(topic, subscription, make(payment, `bench-${subscription}-${i}`), `m-${i}`);
      return { body: delivery.body, headers: json };
    };
  /** What payment.succeeded and payment-applied both carry about the payment. */
  const paymentData = (p: PendingPayment) => ({
    paymentId: p.paymentId,
    declarationId: p.declarationId,
    ownerId: p.ownerId,
    reference: p.reference,
    transactionId: p.transactionId,
    amount: p.amount,
    currency: 'XAF',
    method: 'bange_card',
    paidAt: new Date().toISOString(),
  });
  const paymentSucceeded = (p: PendingPayment, id: string): DomainEvent => ({
    id,
    type: 'payment.succeeded',
    source: PAYMENT_EVENT_SOURCE,
    subject: p.paymentId,
    time: new Date().toISOString(),
    data: { ...paymentData(p), webhookEventId: id },
  });
  // issue-receipt and notify-payer consume payment-applied (what apply-payment publishes once it applied a payment).
  const paymentApplied = (p: PendingPayment, id: string): DomainEvent => ({
    id,
    type: PAYMENT_APPLIED,
    source: PAYMENT_APPLIED_SOURCE,
    subject: p.paymentId,
    time: new Date().toISOString(),
    data: { ...paymentData(p), webhookEventId: null },
  });
  const declarationApproved = (p: PendingPayment, id: string): DomainEvent => ({
    id,
    type: 'declaration.completed',
    source: DECLARATION_EVENT_SOURCE,
    subject: p.declarationId,
    time: new Date().toISOString(),
    data: {
      declarationId: p.declarationId,
      reference: p.declarationReference,
      kind: 'service_fee',
      ownerId: p.ownerId,
      ministry: 'M-001',
      from: 'in_review',
      to: 'completed',
      action: 'approve',
      actorId: null,
      actorRole: 'agent',
      reason: null,
      amount: p.amount,
      currency: 'XAF',
      subjectCode: 'T-001',
    },
  });
  const topicPath = (topic: Topic) => pushDelivery(topic, '', paymentSucceeded(pool[0]!, 'x'), 'x').path;
  return {
    admin: { method: 'GET', path: '/api/v1/admin/users?limit=5', headers: bearer('admin') },
    agent: { method: 'GET', path: '/api/v1/agent/queue?limit=5', headers: bearer('agent') },
    'apply-payment': { method: 'POST', path: topicPath('payment-events'), body: push('payment-events', 'apply-payment', paymentSucceeded) },
    auth: { method: 'GET', path: '/api/v1/auth/me', headers: bearer('citizen') },
    declarations: { method: 'GET', path: '/api/v1/declarations?limit=5', headers: bearer('citizen') },
    docs: { method: 'GET', path: '/api/v1/openapi.json' },
    'fiscal-services': { method: 'GET', path: '/api/v1/fiscal-services?limit=20' },
    health: { method: 'GET', path: '/health/ready' },
    'issue-receipt': { method: 'POST', path: topicPath('payment-applied'), body: push('payment-applied', 'issue-receipt', paymentApplied) },
    jobs: { method: 'POST', path: '/jobs/release-expired-claims' },
    metrics: { method: 'GET', path: '/metrics' },
    notifications: {
      method: 'POST',
      path: topicPath('declaration-events'),
      body: push('declaration-events', 'notify-declaration-events', declarationApproved),
    },
    'notify-payer': { method: 'POST', path: topicPath('payment-applied'), body: push('payment-applied', 'notify-payer', paymentApplied) },
    payments: { method: 'GET', path: `/api/v1/payments/${citizens[0]!.paymentId}`, headers: bearer('citizen') },
    webhooks: {
      method: 'POST',
      path: '/webhooks/bange',
      body: () => {
        const i = n++;
        const { body, signature } = signedWebhook(`evt_fn_${i}`, pool[i % pool.length]!);
        return { body, headers: { ...json, 'x-bange-signature': signature } };
      },
    },
  };
}

async function measure(p: Phases, name: string, options: Omit<LoadOptions, 'duration' | 'url'>, target: Started = p.server()): Promise<LoadResult> {
  await runLoad({ ...options, url: target.url, duration: p.scale.warmupS });
  const result = await runLoad({ ...options, url: target.url, duration: p.scale.pointS, serverPid: target.pid, postgresCpu: true });
  const odd = result.non2xx || result.errors ? `; NOT 2xx: ${JSON.stringify(result.statusCodes)}, errors ${result.errors}` : '';
  p.log(
    `  ${name.padEnd(44)} ${String(result.rps).padStart(6)}/s  p50 ${result.p50}  p95 ${result.p95}  p99 ${result.p99} ms  cpu ${result.serverCpuMsPerRequest} ms/req${odd}`,
  );
  return result;
}

/** Spaces that are all `\s` to the search, so the words stay the same while every query (and cache key) differs. */
function uniqueSpacing(n: number): string {
  return n.toString(2).replace(/0/g, ' ').replace(/1/g, '\t').padStart(1, ' ');
}

/** EXPLAIN ANALYZE of the catalog query the repository really sends. */
async function explain(db: Database, search: string | undefined): Promise<{ executionMs: number; plan: string }> {
  let plan = '';
  const explaining: Queryable = {
    query: async (text, params) => {
      const { rows } = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) ${text}`, params);
      plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      return { rows: [], rowCount: 0 };
    },
  };
  await findServices(db, search ? { search } : {}, { limit: 20 });
  await findServices(explaining, search ? { search } : {}, { limit: 20 });
  return { executionMs: Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? Number.NaN), plan };
}

export async function catalogPhase(p: Phases, label: string, levels: number[], withHello = true) {
  const points: Record<string, LoadResult> = {};
  let spacing = 0;
  for (const connections of levels) {
    if (withHello) points[`hello@${connections}`] = await measure(p, `hello-world, ${connections} conns`, { connections }, p.hello);
    points[`list@${connections}`] = await measure(
      p,
      `${label} list, ${connections} conns`,
      { connections, method: 'GET', headers: {}, requests: [{ path: '/api/v1/fiscal-services?limit=20' }] },
      p.catalog(),
    );
    points[`search@${connections}`] = await measure(
      p,
      `${label} search, ${connections} conns`,
      { connections, requests: [{ path: '/api/v1/fiscal-services?limit=20&q=legalizacion' }] },
      p.catalog(),
    );
    if (connections === Math.max(...levels)) {
      const uncached: RequestSpec[] = [
        {
          setupRequest: (req) => ({
            ...req,
            path: `/api/v1/fiscal-services?limit=20&q=${encodeURIComponent(`legalizacion${uniqueSpacing(++spacing)}legalizacion`)}`,
          }),
        },
      ];
      points[`searchUncached@${connections}`] = await measure(
        p,
        `${label} search, cache missed, ${connections} conns`,
        { connections, requests: uncached },
        p.catalog(),
      );
    }
  }
  // Requests still queued in the server when the last point stopped would share the CPU with the EXPLAIN.
  await new Promise((r) => setTimeout(r, 2000));
  const { rows } = await p.db.query<{ n: number }>('SELECT count(*)::int AS n FROM fiscal_services');
  return { services: rows[0]!.n, points, explain: { list: await explain(p.db, undefined), search: await explain(p.db, 'legalizacion') } };
}

export interface WriteFigures {
  declarationCreate: LoadResult;
  paymentCreate: LoadResult & { declarationsAvailable: number };
}

export async function writePhase(p: Phases): Promise<WriteFigures> {
  const citizen = { authorization: `Bearer ${p.identity.accounts.citizen.token}`, 'content-type': 'application/json' };
  const declarationCreate = await measure(p, 'declaration create, 64 conns', {
    connections: 64,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/declarations',
        headers: citizen,
        body: JSON.stringify({ kind: 'service_fee', serviceCode: 'T-001', feeType: 'expedition' }),
      },
    ],
  });

  const { rows } = await p.db.query<{ id: string }>(
    "SELECT id FROM declarations d WHERE owner_id = $1 AND status = 'awaiting_payment' AND NOT EXISTS (SELECT 1 FROM payments x WHERE x.declaration_id = d.id)",
    [p.identity.accounts.citizen.id],
  );
  const free = rows.map((r) => r.id);
  let key = 0;
  const paymentRequests: RequestSpec[] = [
    {
      method: 'POST',
      path: '/api/v1/payments',
      setupRequest: (req) => {
        const declarationId = free.pop();
        if (!declarationId) return undefined;
        return { ...req, headers: { ...citizen, 'idempotency-key': `bench-${++key}` }, body: JSON.stringify({ declarationId, method: 'bange_card' }) };
      },
    },
  ];
  const available = free.length;
  // Each create needs its own declaration: the warm-up takes a tenth, the point at most what is left.
  await runLoad({ url: p.server().url, connections: 64, amount: Math.min(2000, Math.floor(available / 10)), requests: paymentRequests });
  const paymentCreate = {
    ...(await runLoad({
      url: p.server().url,
      connections: 64,
      duration: p.scale.pointS,
      maxOverallRequests: free.length - 64,
      requests: paymentRequests,
      serverPid: p.server().pid,
      postgresCpu: true,
    })),
    declarationsAvailable: available,
  };
  p.log(
    `  ${'payment create, 64 conns'.padEnd(44)} ${String(paymentCreate.rps).padStart(6)}/s  p50 ${paymentCreate.p50}  p95 ${paymentCreate.p95}  p99 ${paymentCreate.p99} ms  (${JSON.stringify(paymentCreate.statusCodes)})`,
  );
  return { declarationCreate, paymentCreate };
}

export interface DeployedWebhookFigures {
  capacity: LoadResult;
  sustained: PacedResult;
  check: IngestionCheck;
}

/** Ingestion as deployed: the built webhooks function alone, publishing to Pub/Sub (its consumers are other functions). */
export async function webhooksDeployedPhase(
  p: Phases,
  fn: Started,
  pools: Record<'deployedCapacity' | 'sustained', PendingPayment[]>,
  rate = p.scale.sustainedRate,
): Promise<DeployedWebhookFigures> {
  const capacityStream = new WebhookStream(pools.deployedCapacity, 'dcap');
  const capacity = await measure(p, 'webhooks fn → Pub/Sub, closed loop, 64 conns', { connections: 64, requests: capacityStream.requests() }, fn);
  const sustainedStream = new WebhookStream(pools.sustained, 'sus');
  const sustained = await sendPaced(fn.port, rate, p.scale.sustainedS, sustainedStream);
  p.log(
    `  ${`webhooks fn → Pub/Sub, paced ${sustained.offeredRate}/s, ${p.scale.sustainedS} s`.padEnd(44)} ${String(sustained.achievedRate).padStart(6)}/s  p50 ${sustained.p50}  p95 ${sustained.p95}  p99 ${sustained.p99} ms  (${JSON.stringify(sustained.statusCodes)})`,
  );
  const check = await checkIngestion(p.db, [capacityStream, sustainedStream]);
  p.log(
    `    ${check.acknowledgedEvents} acknowledged, ${check.storedEvents} stored, ${check.unpublished} unpublished ${check.publishedWithinMs} ms after the load: ${check.passed ? 'nothing lost' : 'LOST OR UNPUBLISHED EVENTS'}`,
  );
  return { capacity, sustained, check };
}

export interface InProcessWebhookFigures {
  receiptLatency: Awaited<ReturnType<typeof receiptLatency>>;
  capacity: LoadResult & { check: LedgerCheck };
  /** The whole journey's cost, from the first webhook of the point until the last payment is applied and receipted (consumers included). */
  journey?: { applied: number; serverMsPerPayment: number; postgresMsPerPayment: number; statementsPerPayment: number | null };
}

/** The whole pipeline in one process (npm start): ingestion, the in-process bus and every consumer; then the ledger against what the bank sent. */
export async function webhooksInProcessPhase(
  p: Phases,
  pools: Record<'inProcess' | 'latency', PendingPayment[]>,
  statements = false,
): Promise<InProcessWebhookFigures> {
  const latency = await receiptLatency(p.db, p.server().port, pools.latency, 20);
  p.log(
    `  ${'webhook → paid and receipt issued, 20/s'.padEnd(44)} p50 ${latency.p50}  p95 ${latency.p95}  p99 ${latency.p99} ms  (${latency.count} payments, ${latency.timedOut} timed out)`,
  );
  const stream = new WebhookStream(pools.inProcess, 'inp');
  // The measured point's journey: its warm-up applied and drained first, so what is counted is this point's payments only.
  const warm = new WebhookStream(pools.inProcess.slice(-Math.floor(pools.inProcess.length / 10)), 'inpw', Number.MAX_SAFE_INTEGER);
  await runLoad({ url: p.server().url, connections: 64, duration: p.scale.warmupS, requests: warm.requests() });
  await checkLedger(p.db, [warm], p.scale.drainTimeoutMs);
  if (statements) await p.db.query('SELECT pg_stat_statements_reset()');
  const cpu0 = processCpuMs(p.server().pid) ?? Number.NaN;
  const pg0 = postgresCpuMs();
  const load = await runLoad({
    url: p.server().url,
    connections: 64,
    duration: p.scale.pointS,
    serverPid: p.server().pid,
    postgresCpu: true,
    requests: stream.requests(),
  });
  p.log(
    `  ${'webhooks, whole pipeline in one process, 64 conns'.padEnd(44)} ${String(load.rps).padStart(6)}/s  p50 ${load.p50}  p95 ${load.p95}  p99 ${load.p99} ms  cpu ${load.serverCpuMsPerRequest} ms/req`,
  );
  const check = await checkLedger(p.db, [stream], p.scale.drainTimeoutMs);
  const serverMs = (processCpuMs(p.server().pid) ?? Number.NaN) - cpu0;
  const postgresMs = postgresCpuMs() - pg0;
  let statementsPerPayment: number | null = null;
  if (statements) {
    const { rows } = await p.db.query<{ n: string }>(
      "SELECT sum(calls) AS n FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = current_database() AND query NOT LIKE '%count(*) AS n%' AND query NOT LIKE '%sum(e.debit) AS n%' AND query NOT ILIKE '%pg_stat_statements%'",
    );
    statementsPerPayment = Math.round((Number(rows[0]?.n ?? 0) / check.journals) * 100) / 100;
  }
  const round3 = (n: number) => Math.round(n * 1000) / 1000;
  const journey = {
    applied: check.journals,
    serverMsPerPayment: round3(serverMs / check.journals),
    postgresMsPerPayment: round3(postgresMs / check.journals),
    statementsPerPayment,
  };
  p.log(
    `    whole journey: ${journey.serverMsPerPayment} ms server + ${journey.postgresMsPerPayment} ms PostgreSQL CPU per applied payment (${journey.applied} applied), ${statementsPerPayment ?? '?'} statements each`,
  );
  p.log(`    applied ${check.drainMs} ms after the point; ledger ${check.passed ? 'matches what the bank sent' : `DOES NOT MATCH: ${JSON.stringify(check)}`}`);
  return { receiptLatency: latency, capacity: { ...load, check }, journey };
}
