/** The sandbox's webhook deliveries: signed like BANGE, duplicated, delayed or held on demand, retried with backoff, every attempt recorded. */
import type { Logger } from '../../../ports/logger.port';
import type { BangeWebhookEvent } from '../../../ports/bank.port';
import type { Clock } from '../../../ports/clock.port';
import { BANGE_SIGNATURE_HEADER, signBangePayload } from '../bange-signature';

export interface DeliveryKnobs {
  /** Deliver the same event (same id, same bytes) this many times, concurrently: receivers must deduplicate. */
  duplicates: number;
  /** Wait this long before the first attempt. */
  delayMs: number;
  /** Keep the event until `release()`, which sends held events newest first. */
  hold: boolean;
}

export interface DeliveryAttempt {
  eventId: string;
  type: BangeWebhookEvent['type'];
  transactionId: string;
  url: string;
  /** Which duplicate (1..duplicates). */
  copy: number;
  /** 1 for the first try, then one more per retry. */
  attempt: number;
  /** The receiver's HTTP status; null when it could not be reached or timed out. */
  status: number | null;
  error: string | null;
  at: string;
}

export interface WebhookSenderOptions {
  secret: string;
  clock: Clock;
  fetch?: typeof fetch;
  logger?: Logger;
  /** Waits before each retry; its length is the number of retries. */
  retryDelaysMs?: number[];
  timeoutMs?: number;
}

export const DEFAULT_RETRY_DELAYS_MS = [500, 2_000, 8_000];
const DEFAULT_TIMEOUT_MS = 5_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function describeFailure(err: unknown, timeoutMs: number): string {
  const name = err && typeof err === 'object' && 'name' in err ? err.name : undefined;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = err && typeof err === 'object' && 'cause' in err ? err.cause : undefined;
  const code = cause && typeof cause === 'object' && 'code' in cause ? cause.code : undefined;
  return typeof code === 'string' ? code : 'could not connect';
}

export function createWebhookSender(options: WebhookSenderOptions) {
  const { secret, clock, logger } = options;
  const fetchImpl = options.fetch ?? fetch;
  const retryDelays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const attempts: DeliveryAttempt[] = [];
  const pending = new Set<Promise<void>>();
  const held: { event: BangeWebhookEvent; url: string; knobs: DeliveryKnobs }[] = [];

  function track(delivery: Promise<void>) {
    // A bug here must not become an unhandled rejection that stops `npm start`.
    const work = delivery.catch((err: unknown) => logger?.error('BANGE sandbox delivery crashed', { err }));
    pending.add(work);
    void work.finally(() => pending.delete(work));
  }

  /** One HTTP attempt; true when worth retrying (the receiver is down, overloaded or failing). */
  async function attemptOnce(event: BangeWebhookEvent, body: string, url: string, copy: number, attempt: number): Promise<boolean> {
    const record: DeliveryAttempt = {
      eventId: event.id,
      type: event.type,
      transactionId: event.data.transactionId,
      url,
      copy,
      attempt,
      status: null,
      error: null,
      at: clock.now().toISOString(),
    };
    try {
      // Signed at each attempt, as BANGE does, so a retry minutes later is still within the receiver's tolerance.
      const signature = signBangePayload(body, secret, Math.floor(clock.now().getTime() / 1000));
      const response = await fetchImpl(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'BANGE-Sandbox/1', [BANGE_SIGNATURE_HEADER]: signature },
        body,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'manual',
      });
      await response.arrayBuffer().catch(() => undefined); // release the socket
      record.status = response.status;
    } catch (err) {
      record.error = describeFailure(err, timeoutMs);
    }
    attempts.push(record);
    const ok = record.status !== null && record.status >= 200 && record.status < 300;
    const fields = { eventId: event.id, type: event.type, url, copy, attempt, status: record.status, error: record.error };
    if (ok) logger?.info(`BANGE sandbox delivered ${event.type} ${event.id}`, fields);
    else logger?.warning(`BANGE sandbox could not deliver ${event.type} ${event.id}`, fields);
    return record.status === null || record.status === 429 || record.status >= 500;
  }

  async function deliverCopy(event: BangeWebhookEvent, body: string, url: string, copy: number) {
    for (let attempt = 1; ; attempt += 1) {
      const retry = await attemptOnce(event, body, url, copy, attempt);
      const wait = retryDelays[attempt - 1];
      if (!retry || wait === undefined) return;
      await sleep(wait);
    }
  }

  async function deliver(event: BangeWebhookEvent, url: string, knobs: DeliveryKnobs) {
    if (knobs.delayMs > 0) await sleep(knobs.delayMs);
    // Serialised once: every copy and retry carries the same bytes.
    const body = JSON.stringify(event);
    await Promise.all(Array.from({ length: knobs.duplicates }, (_, i) => deliverCopy(event, body, url, i + 1)));
  }

  return {
    send(event: BangeWebhookEvent, url: string, knobs: DeliveryKnobs) {
      if (knobs.hold) held.push({ event, url, knobs });
      else track(deliver(event, url, knobs));
    },

    /** Sends the held events newest first, each once the previous one is done: a guaranteed out-of-order arrival. */
    release(): number {
      const batch = held.splice(0).reverse();
      track(
        (async () => {
          for (const h of batch) await deliver(h.event, h.url, h.knobs);
        })(),
      );
      return batch.length;
    },

    heldCount: () => held.length,
    attempts: (): DeliveryAttempt[] => attempts.map((a) => ({ ...a })),

    /** Resolves once every delivery under way (delays and retries included) is over; held events are not waited for. */
    async settle(): Promise<void> {
      while (pending.size) await Promise.all([...pending]);
    },
  };
}

export type WebhookSender = ReturnType<typeof createWebhookSender>;
