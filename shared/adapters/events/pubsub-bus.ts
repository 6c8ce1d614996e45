/**
 * The event bus over Google Cloud Pub/Sub (or its emulator), published through the REST API
 * (topics.publish): publish resolves once the server has acknowledged the message.
 *
 * Why not @google-cloud/pubsub: loading it with gRPC and google-auth costs ~240 ms on the first
 * publish (a webhook waiting for its answer) and tens of MB per instance, for what is one HTTPS POST
 * with a bearer token from the metadata server.
 *
 * Readiness (ping) GETs each topic (topics.get): Pub/Sub answers, the token is good, the topics exist.
 */
import type { Logger } from '../../ports/logger.port';
import { TOPICS, type DomainEvent, type EventBus, type EventBusProbe, type Topic } from '../../ports/event-bus.port';
import { describeError, nodeHttp, type HttpTransport } from './http-transport';
import { createMetadataTokenSource, type TokenSource } from './metadata-token';
import { encodeEventMessage } from './pubsub-message';

export interface PubSubBusOptions {
  projectId: string;
  /** `host:port` of the Pub/Sub emulator (PUBSUB_EMULATOR_HOST): plain HTTP and no token. Unset to reach the real service. */
  emulatorHost?: string;
  logger: Logger;
  /** The Pub/Sub topic id of a port topic (an environment prefix, a test's own topics); the same name by default. */
  topicName?: (topic: Topic) => string;
  /** Upper bound on one publish, retries included: past it the publish rejects and the caller's outbox keeps the event. */
  publishTimeoutMs?: number;
  /** Access tokens for the real service; the metadata server's by default. */
  tokens?: TokenSource;
  /** The API's base URL (tests); `https://pubsub.googleapis.com`, or the emulator's. */
  endpoint?: string;
  transport?: HttpTransport;
  /** Most messages sent in one request; publishes queued in the same turn of the event loop share requests. */
  maxBatchMessages?: number;
  /** Most requests in flight per topic: past it, publishes wait for one to return and leave together. */
  maxRequestsInFlight?: number;
  /** The topics ping checks exist: those the deployment has. Every port topic by default. */
  probeTopics?: readonly Topic[];
}

export interface PubSubBus extends EventBus, EventBusProbe {
  readonly kind: 'pubsub';
  /** Sends what is still queued and waits for every request in flight (graceful shutdown, tests). */
  close(): Promise<void>;
}

const DEFAULT_PUBLISH_TIMEOUT_MS = 5_000;
const DEFAULT_MAX_BATCH_MESSAGES = 100;
/**
 * Under load, a request per turn of the event loop would be many small requests, each parsed and
 * answered at a CPU cost: bounded, the publishes that come in meanwhile leave as one (measured on the
 * webhooks function at 1,000/s: 0.64 ms of CPU per request against 0.98 ms with the gRPC SDK).
 */
const DEFAULT_MAX_REQUESTS_IN_FLIGHT = 8;
/** Pub/Sub takes at most 10 MB per publish request; base64 data and the JSON around it stay well under. */
const MAX_BATCH_DATA_BYTES = 6 * 1024 * 1024;
const FIRST_RETRY_DELAY_MS = 100;

/**
 * The HTTP statuses of the gRPC codes the client library retries a publish on (CANCELLED 499,
 * UNKNOWN and INTERNAL 500, DEADLINE_EXCEEDED 504, RESOURCE_EXHAUSTED 429, ABORTED 409,
 * UNAVAILABLE 503), plus the 408 and 502 a proxy may answer. Anything else (a missing topic, a
 * refused permission, a malformed message) fails at once: retrying cannot help.
 */
const RETRYABLE_STATUSES = new Set([408, 409, 429, 499, 500, 502, 503, 504]);

interface WireMessage {
  data: string;
  attributes: Record<string, string>;
}

interface Queued {
  event: DomainEvent;
  message: WireMessage;
  /** Date.now() when published: the budget counts the wait for a request too. */
  queuedAt: number;
  resolve(): void;
  reject(error: unknown): void;
}

interface TopicQueue {
  items: Queued[];
  inFlight: number;
}

class PublishFailure extends Error {
  override name = 'PublishFailure';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** `{"error": {"code": 404, "status": "NOT_FOUND", "message": "Resource not found"}}`, Google's JSON error, in one line. */
function describeHttpError(status: number, text: string): string {
  try {
    const { error } = JSON.parse(text) as { error?: { status?: unknown; message?: unknown } };
    if (error && typeof error.message === 'string') return `HTTP ${status}${typeof error.status === 'string' ? ` ${error.status}` : ''}: ${error.message}`;
  } catch {
    // not JSON: a proxy's page, the emulator's plain text
  }
  return `HTTP ${status}: ${text.replace(/\s+/g, ' ').trim().slice(0, 200)}`;
}

/** ping's outcome for one topic that is not up: the topic does not exist, or why there was no answer. */
const TOPIC_NOT_FOUND = 'not found';

function isRetryable(error: unknown): boolean {
  // Network failures and timeouts of one attempt are worth another within the budget.
  return error instanceof PublishFailure ? error.retryable : true;
}

export function createPubSubBus(options: PubSubBusOptions): PubSubBus {
  const topicName = options.topicName ?? ((topic: Topic) => topic);
  const timeoutMs = options.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS;
  const maxBatch = options.maxBatchMessages ?? DEFAULT_MAX_BATCH_MESSAGES;
  const maxInFlight = options.maxRequestsInFlight ?? DEFAULT_MAX_REQUESTS_IN_FLIGHT;
  const transport = options.transport ?? nodeHttp;
  const endpoint = options.endpoint ?? (options.emulatorHost ? `http://${options.emulatorHost}` : 'https://pubsub.googleapis.com');
  // The emulator takes no credentials; only the real service needs a token (fetched on first publish).
  let tokens = options.emulatorHost ? undefined : options.tokens;
  const tokenSource = (): TokenSource => (tokens ??= createMetadataTokenSource({ transport }));
  const queues = new Map<string, TopicQueue>();
  const inFlight = new Set<Promise<void>>();
  let flushTimer: NodeJS.Immediate | undefined;

  const topicUrl = (name: string) => `${endpoint}/v1/projects/${encodeURIComponent(options.projectId)}/topics/${encodeURIComponent(name)}`;
  const publishUrl = (name: string) => `${topicUrl(name)}:publish`;

  /** The bearer token of the real service (none for the emulator), fetched before the deadline. */
  async function authorization(deadline: number): Promise<Record<string, string>> {
    if (options.emulatorHost) return {};
    return { authorization: `Bearer ${await tokenSource().token(AbortSignal.timeout(Math.max(1, deadline - Date.now())))}` };
  }

  /** One POST of the batch; resolves with the message ids in the batch's order, or throws a PublishFailure or the transport's error. */
  async function post(name: string, body: string, deadline: number): Promise<string[]> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(await authorization(deadline)) };
    const budget = Math.max(1, deadline - Date.now());
    const signal = AbortSignal.timeout(budget);
    let answer: { status: number; text: string };
    try {
      answer = await transport(publishUrl(name), { method: 'POST', headers, body, signal });
    } catch (err) {
      if (signal.aborted) throw new PublishFailure(`no answer within the ${budget} ms left of the budget`, true);
      throw err;
    }
    const { status, text } = answer;
    if (status < 200 || status > 299) throw new PublishFailure(describeHttpError(status, text), RETRYABLE_STATUSES.has(status), status);
    let ids: unknown;
    try {
      ids = (JSON.parse(text) as { messageIds?: unknown }).messageIds;
    } catch {
      ids = undefined;
    }
    // Pub/Sub answers one id per message, in order (send checks the count): anything else is not an acknowledgement.
    if (!Array.isArray(ids)) throw new PublishFailure(`HTTP ${status} without messageIds: ${text.slice(0, 200)}`, false, status);
    return ids.map(String);
  }

  /** Sends one batch, retrying what may succeed later with backoff until the deadline; settles every caller in it. */
  async function send(name: string, batch: Queued[]): Promise<void> {
    const started = batch[0]!.queuedAt;
    const deadline = started + timeoutMs;
    const body = JSON.stringify({ messages: batch.map((q) => q.message) });
    let delay = FIRST_RETRY_DELAY_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        const ids = await post(name, body, deadline);
        if (ids.length !== batch.length) throw new PublishFailure(`Pub/Sub acknowledged ${ids.length} of ${batch.length} messages`, false);
        const ms = Date.now() - started;
        batch.forEach((q, i) => {
          options.logger.debug('event published', {
            topic: name,
            eventId: q.event.id,
            type: q.event.type,
            messageId: ids[i],
            ms,
            batch: batch.length,
            attempts: attempt,
          });
          q.resolve();
        });
        return;
      } catch (err) {
        // The last back-off must still leave time for an attempt: at most a quarter of the budget.
        const wait = Math.min(delay, Math.ceil(timeoutMs / 4));
        if (!isRetryable(err) || Date.now() + wait >= deadline) {
          const ms = Date.now() - started;
          for (const q of batch) {
            const reason = `${describeError(err)}${attempt > 1 ? ` (${attempt} attempts)` : ''}`;
            q.reject(new Error(`publishing ${q.event.type} ${q.event.id} to Pub/Sub topic ${name} failed after ${ms} ms: ${reason}`, { cause: err }));
          }
          return;
        }
        await new Promise((r) => setTimeout(r, wait));
        delay *= 2;
      }
    }
  }

  /** The next batch of the queue: up to maxBatch messages and what one request may carry. */
  function takeBatch(queue: TopicQueue): Queued[] {
    let bytes = 0;
    let count = 0;
    while (count < queue.items.length && count < maxBatch) {
      bytes += queue.items[count]!.message.data.length;
      if (count > 0 && bytes > MAX_BATCH_DATA_BYTES) break;
      count++;
    }
    return queue.items.splice(0, count);
  }

  /** Sends what the topic has queued, as many requests as its free slots allow; the rest waits for a request to return. */
  function flushTopic(name: string): void {
    const queue = queues.get(name);
    while (queue && queue.items.length > 0 && queue.inFlight < maxInFlight) {
      queue.inFlight++;
      const request = send(name, takeBatch(queue)).finally(() => {
        inFlight.delete(request);
        queue.inFlight--;
        flushTopic(name);
      });
      inFlight.add(request);
    }
    if (queue && queue.items.length === 0 && queue.inFlight === 0) queues.delete(name);
  }

  function flushAll(): void {
    flushTimer = undefined;
    for (const name of [...queues.keys()]) flushTopic(name);
  }

  /** One GET of the topic within the deadline: undefined when it exists, else why not (TOPIC_NOT_FOUND, Google's error, the network's). */
  async function probeTopic(name: string, headers: Record<string, string>, deadline: number): Promise<string | undefined> {
    const budget = Math.max(1, deadline - Date.now());
    const signal = AbortSignal.timeout(budget);
    try {
      const { status, text } = await transport(topicUrl(name), { method: 'GET', headers, signal });
      if (status >= 200 && status <= 299) return undefined;
      return status === 404 ? TOPIC_NOT_FOUND : describeHttpError(status, text);
    } catch (err) {
      return signal.aborted ? `no answer within ${budget} ms` : describeError(err);
    }
  }

  return {
    kind: 'pubsub',

    async ping(pingTimeoutMs = timeoutMs) {
      const deadline = Date.now() + pingTimeoutMs;
      const where = `Pub/Sub (${endpoint}, project ${options.projectId})`;
      let headers: Record<string, string>;
      try {
        headers = await authorization(deadline);
      } catch (err) {
        throw new Error(`${where}: no access token: ${describeError(err)}`, { cause: err });
      }
      const names = [...new Set((options.probeTopics ?? TOPICS).map(topicName))];
      const outcomes = await Promise.all(names.map(async (name) => ({ name, problem: await probeTopic(name, headers, deadline) })));
      // Topics failing for the same reason (an unreachable server fails them all) are named together.
      const byProblem = new Map<string, string[]>();
      for (const { name, problem } of outcomes) if (problem !== undefined) byProblem.set(problem, [...(byProblem.get(problem) ?? []), name]);
      if (byProblem.size === 0) return;
      const parts = [...byProblem].map(([problem, topics]) => {
        const label = `${topics.length === 1 ? 'topic' : 'topics'} ${topics.join(', ')}`;
        return problem === TOPIC_NOT_FOUND ? `${label} not found` : `${label}: ${problem}`;
      });
      throw new Error(`${where}: ${parts.join('; ')}`);
    },

    publish(topic, event) {
      const name = topicName(topic);
      const encoded = encodeEventMessage(event);
      const message: WireMessage = { data: encoded.data.toString('base64'), attributes: encoded.attributes };
      return new Promise<void>((resolve, reject) => {
        let queue = queues.get(name);
        if (!queue) queues.set(name, (queue = { items: [], inFlight: 0 }));
        queue.items.push({ event, message, queuedAt: Date.now(), resolve, reject });
        // Publishes of the same turn (concurrent requests, one caller's several events) leave together,
        // without the fixed wait of a batching window: a lone event is sent on the next turn.
        if (queue.items.length >= maxBatch) flushTopic(name);
        else flushTimer ??= setImmediate(flushAll);
      });
    },

    async close() {
      if (flushTimer) clearImmediate(flushTimer);
      flushAll();
      // Requests that return send what waited for them: wait until none is left.
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
