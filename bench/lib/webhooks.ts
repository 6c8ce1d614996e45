/**
 * Signed BANGE webhooks under load: a stream of unique events (each for a pending payment, a few
 * repeating an earlier transaction under a new id, a few re-sending an earlier event byte for byte),
 * an open-loop sender paced at a fixed rate, and the checks that nothing was lost or applied twice.
 */
import type { RequestSpec } from 'autocannon';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Database } from '../../shared/ports/database.port';
import { BANGE_CLEARING } from '../../shared/domain/payments/ledger';
import { signedWebhook, type PendingPayment } from './fixtures';
import { summarise, type LatencySummary } from './load';

interface SentEvent {
  id: string;
  body: string;
  signature: string;
  payment: PendingPayment;
}

/** POSTs a signed BANGE webhook to a local function; resolves with the status (0: no answer). */
export function postWebhook(port: number, agent: Agent, body: string, signature: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/webhooks/bange',
        agent,
        headers: { 'content-type': 'application/json', 'x-bange-signature': signature, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

export class WebhookStream {
  private next = 0;
  private readonly recent: SentEvent[] = [];
  /** Every event id BANGE would consider delivered (answered 200), with its payment. */
  readonly acknowledged = new Map<string, PendingPayment>();
  readonly statuses: Record<string, number> = {};
  sent = 0;

  constructor(
    private readonly payments: PendingPayment[],
    private readonly tag: string,
    /** One request in `resendEvery` re-sends an earlier event unchanged (a bank retry). */
    private readonly resendEvery = 20,
  ) {}

  /** The next request: mostly a new event for the next pending payment; past the end, new ids for payments already sent. */
  take(): SentEvent {
    this.sent++;
    if (this.recent.length > 0 && this.sent % this.resendEvery === 0) return this.recent[Math.floor(Math.random() * this.recent.length)]!;
    const n = this.next++;
    const payment = this.payments[n % this.payments.length]!;
    const id = `evt_${this.tag}_${n}`;
    const event = { id, payment, ...signedWebhook(id, payment) };
    this.recent.push(event);
    if (this.recent.length > 500) this.recent.shift();
    return event;
  }

  record(event: SentEvent, status: number): void {
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    if (status === 200) this.acknowledged.set(event.id, event.payment);
  }

  /** For autocannon: each request built from the stream, its answer recorded. */
  requests(): RequestSpec[] {
    return [
      {
        method: 'POST',
        path: '/webhooks/bange',
        setupRequest: (req, context) => {
          const event = this.take();
          context.event = event;
          return { ...req, body: event.body, headers: { 'content-type': 'application/json', 'x-bange-signature': event.signature } };
        },
        onResponse: (status, _body, context) => this.record(context.event as SentEvent, status),
      },
    ];
  }
}

export interface PacedResult extends LatencySummary {
  offeredRate: number;
  durationS: number;
  sent: number;
  ok: number;
  /** 2xx per second over the whole point, the last answer included. */
  achievedRate: number;
  statusCodes: Record<string, number>;
}

/** Open loop: request i leaves at start + i/rate whatever happened before; its latency counts from that scheduled instant. */
export async function sendPaced(port: number, rate: number, durationS: number, stream: WebhookStream): Promise<PacedResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  const total = Math.round(rate * durationS);
  const start = performance.now();
  let scheduled = 0;
  let finished = 0;
  let ok = 0;
  let lastAnswer = start;
  await new Promise<void>((resolve) => {
    const fire = (i: number) => {
      const due = start + (i * 1000) / rate;
      const event = stream.take();
      const done = (status: number) => {
        lastAnswer = performance.now();
        latencies.push(lastAnswer - due);
        statusCodes[status] = (statusCodes[status] ?? 0) + 1;
        if (status >= 200 && status < 300) ok++;
        stream.record(event, status);
        if (++finished === total) resolve();
      };
      void postWebhook(port, agent, event.body, event.signature).then(done);
    };
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      while (scheduled < due) fire(scheduled++);
      if (scheduled >= total) clearInterval(timer);
    }, 1);
  });
  agent.destroy();
  // Kept pace: the last answer came within a second of the last send, so the rate offered is the rate served.
  const durationMs = lastAnswer - start;
  const window = Math.max(durationS * 1000, durationMs - 1000);
  return {
    offeredRate: rate,
    durationS: Math.round(durationMs / 10) / 100,
    sent: total,
    ok,
    achievedRate: Math.round((ok * 1000) / window),
    statusCodes,
    ...summarise(latencies),
  };
}

export interface LedgerCheck {
  acknowledgedEvents: number;
  storedEvents: number;
  lostEvents: number;
  transactions: number;
  journals: number;
  transactionsBookedTwice: number;
  clearingDebits: number;
  expectedClearingDebits: number;
  receipts: number;
  drainMs: number;
  drained: boolean;
  unpublishedOutbox: number;
  deadLetters: number;
  passed: boolean;
}

async function count(db: Database, sql: string, params: unknown[]): Promise<number> {
  const { rows } = await db.query<{ n: string | null }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

export interface IngestionCheck {
  acknowledgedEvents: number;
  storedEvents: number;
  lostEvents: number;
  /** Accepted events whose payment-events message is still in the outbox (the sweeper would send it). */
  unpublished: number;
  /** How long after the load the last acknowledged event's outbox row was marked published. */
  publishedWithinMs: number;
  passed: boolean;
}

/** What ingestion alone promises: every acknowledged event stored, and published. */
export async function checkIngestion(db: Database, streams: WebhookStream[], settleMs = 15_000): Promise<IngestionCheck> {
  const ids = streams.flatMap((s) => [...s.acknowledged.keys()]);
  const storedEvents = await count(db, 'SELECT count(*) AS n FROM webhook_events WHERE id = ANY($1)', [ids]);
  // Published rows are marked in batches after the answer, and a function that fell behind under
  // the paced load is still publishing its queue: give the outbox time to catch up before counting.
  const since = Date.now();
  let unpublished: number;
  for (;;) {
    unpublished = await count(db, "SELECT count(*) AS n FROM event_outbox WHERE published_at IS NULL AND event -> 'data' ->> 'webhookEventId' = ANY($1)", [
      ids,
    ]);
    if (unpublished === 0 || Date.now() - since > settleMs) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    acknowledgedEvents: ids.length,
    storedEvents,
    lostEvents: ids.length - storedEvents,
    unpublished,
    publishedWithinMs: Date.now() - since,
    passed: storedEvents === ids.length && unpublished === 0,
  };
}

/** Waits until every acknowledged transaction is booked (or `timeoutMs`), then compares the ledger with what the bank sent. */
export async function checkLedger(db: Database, streams: WebhookStream[], timeoutMs: number): Promise<LedgerCheck> {
  const ids = streams.flatMap((s) => [...s.acknowledged.keys()]);
  const byTransaction = new Map<string, PendingPayment>();
  for (const s of streams) for (const p of s.acknowledged.values()) byTransaction.set(p.transactionId, p);
  const transactions = [...byTransaction.keys()];
  const paymentIds = [...byTransaction.values()].map((p) => p.paymentId);
  const started = performance.now();
  let journals = 0;
  let receipts = 0;
  let progressAt = started;
  for (;;) {
    const before = journals + receipts;
    journals = await count(db, "SELECT count(*) AS n FROM ledger_journals WHERE kind = 'payment' AND external_ref = ANY($1)", [transactions]);
    receipts = await count(db, 'SELECT count(*) AS n FROM receipts WHERE payment_id = ANY($1)', [paymentIds]);
    const now = performance.now();
    if (journals + receipts > before) progressAt = now;
    // Done, out of time, or stuck (nothing applied for 10 s: what is left waits for a redelivery or is dead-lettered).
    if ((journals >= transactions.length && receipts >= paymentIds.length) || now - started > timeoutMs || now - progressAt > 10_000) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const drainMs = Math.round(performance.now() - started);
  const storedEvents = await count(db, 'SELECT count(*) AS n FROM webhook_events WHERE id = ANY($1)', [ids]);
  const bookedTwice = await count(
    db,
    "SELECT count(*) AS n FROM (SELECT external_ref FROM ledger_journals WHERE kind = 'payment' GROUP BY external_ref HAVING count(*) > 1) t",
    [],
  );
  const clearing = await count(
    db,
    "SELECT sum(e.debit) AS n FROM ledger_entries e JOIN ledger_journals j ON j.id = e.journal_id WHERE e.account = $2 AND j.kind = 'payment' AND j.external_ref = ANY($1)",
    [transactions, BANGE_CLEARING],
  );
  const expected = [...byTransaction.values()].reduce((sum, p) => sum + p.amount, 0);
  const unpublished = await count(db, 'SELECT count(*) AS n FROM event_outbox WHERE published_at IS NULL', []);
  const dead = await count(db, 'SELECT count(*) AS n FROM dead_letters', []);
  const check = {
    acknowledgedEvents: ids.length,
    storedEvents,
    lostEvents: ids.length - storedEvents,
    transactions: transactions.length,
    journals,
    transactionsBookedTwice: bookedTwice,
    clearingDebits: clearing,
    expectedClearingDebits: expected,
    receipts,
    drainMs,
    drained: journals === transactions.length && receipts === paymentIds.length,
    unpublishedOutbox: unpublished,
    deadLetters: dead,
  };
  return { ...check, passed: check.lostEvents === 0 && check.drained && bookedTwice === 0 && clearing === expected && dead === 0 };
}

/** Webhook sent → payment succeeded, declaration paid and receipt stored, for `payments` sent at `rate` per second, watched in the database every 2 ms. */
export async function receiptLatency(db: Database, port: number, payments: PendingPayment[], rate: number): Promise<LatencySummary & { timedOut: number }> {
  const stream = new WebhookStream(payments, 'latency', Number.MAX_SAFE_INTEGER);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let watching = true;
  let deadline = Number.POSITIVE_INFINITY;
  const watcher = (async () => {
    while (watching || sentAt.size > 0) {
      const pending = [...sentAt.keys()];
      if (pending.length) {
        const { rows } = await db.query<{ id: string }>(
          `SELECT p.id FROM payments p JOIN declarations d ON d.id = p.declaration_id JOIN receipts r ON r.payment_id = p.id
            WHERE p.id = ANY($1) AND p.status = 'succeeded' AND d.status IN ('paid', 'completed')`,
          [pending],
        );
        const now = performance.now();
        for (const { id } of rows) {
          latencies.push(now - sentAt.get(id)!);
          sentAt.delete(id);
        }
      }
      await new Promise((r) => setTimeout(r, 2));
      if (!watching && performance.now() - deadline > 0) break;
    }
  })();
  const agent = new Agent({ keepAlive: true });
  for (let i = 0; i < payments.length; i++) {
    const event = stream.take();
    sentAt.set(event.payment.paymentId, performance.now());
    await postWebhook(port, agent, event.body, event.signature);
    await new Promise((r) => setTimeout(r, Math.max(0, 1000 / rate)));
  }
  deadline = performance.now() + 10_000;
  watching = false;
  await watcher;
  agent.destroy();
  return { ...summarise(latencies), timedOut: sentAt.size };
}
