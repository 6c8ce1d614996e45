/** The event bus over Google Cloud Pub/Sub (or its emulator): publish resolves once the server has acknowledged the message. */
import type { ClientConfig, PubSub, PublishOptions, Topic as PubSubTopic } from '@google-cloud/pubsub';
import type { Logger } from '../../logging/logger';
import type { EventBus, Topic } from '../../ports/event-bus.port';
import { encodeEventMessage } from './pubsub-message';

export interface PubSubBusOptions {
  projectId: string;
  /** `host:port` of the Pub/Sub emulator; unset to reach the real service. */
  apiEndpoint?: string;
  logger: Logger;
  /** The Pub/Sub topic id of a port topic (an environment prefix, a test's own topics); the same name by default. */
  topicName?: (topic: Topic) => string;
  /** Upper bound on one publish, retries included: past it the publish rejects and the caller's outbox keeps the event. */
  publishTimeoutMs?: number;
}

export interface PubSubBus extends EventBus {
  /** Sends what is still batched and closes the client's channels (graceful shutdown, tests). */
  close(): Promise<void>;
}

const DEFAULT_PUBLISH_TIMEOUT_MS = 5_000;

// The codes the library itself retries a publish on (gRPC: CANCELLED, UNKNOWN, DEADLINE_EXCEEDED,
// RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE); only the time budget is ours.
const RETRYABLE_CODES = [1, 2, 4, 8, 10, 13, 14];

function publishOptions(timeoutMs: number): PublishOptions {
  return {
    // Every caller awaits its publish (a webhook answering BANGE, the outbox sweeper), so a lone
    // event should leave at once: 5 ms is enough for events published in the same burst by
    // concurrent requests on this instance to share one RPC, and 10 of them fill a batch early.
    batching: { maxMessages: 10, maxMilliseconds: 5 },
    // The library's default budget is 600 s of retries; a caller with an outbox prefers a quick
    // rejection to a request held open, so the whole publish, retries included, fits timeoutMs
    // (gax may overrun it by the last back-off, hence back-offs of at most a quarter of it).
    gaxOpts: {
      timeout: timeoutMs,
      retry: {
        retryCodes: RETRYABLE_CODES,
        backoffSettings: {
          initialRetryDelayMillis: 100,
          retryDelayMultiplier: 2,
          maxRetryDelayMillis: Math.min(1_000, Math.ceil(timeoutMs / 4)),
          initialRpcTimeoutMillis: timeoutMs,
          rpcTimeoutMultiplier: 1,
          maxRpcTimeoutMillis: timeoutMs,
          totalTimeoutMillis: timeoutMs,
        },
      },
    },
  };
}

function clientConfig(options: PubSubBusOptions): ClientConfig {
  if (!options.apiEndpoint) return { projectId: options.projectId };
  // The emulator speaks plaintext gRPC (emulatorMode) and has no credentials to find; naming the
  // universe spares google-auth its metadata-server probe, which off GCP only times out and warns.
  return { projectId: options.projectId, apiEndpoint: options.apiEndpoint, emulatorMode: true, universeDomain: 'googleapis.com' };
}

export function createPubSubBus(options: PubSubBusOptions): PubSubBus {
  const topicName = options.topicName ?? ((topic: Topic) => topic);
  const settings = publishOptions(options.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS);
  const topics = new Map<string, PubSubTopic>();
  let client: Promise<PubSub> | undefined;

  // Loading the SDK costs ~240 ms, so an instance pays it on its first publish, not at cold start.
  function getClient(): Promise<PubSub> {
    client ??= import('@google-cloud/pubsub').then(
      ({ PubSub }) => new PubSub(clientConfig(options)),
      (err: unknown) => {
        client = undefined;
        throw err;
      },
    );
    return client;
  }

  async function getTopic(name: string): Promise<PubSubTopic> {
    const pubsub = await getClient();
    let topic = topics.get(name);
    if (!topic) {
      topic = pubsub.topic(name, settings);
      topics.set(name, topic);
    }
    return topic;
  }

  return {
    async publish(topic, event) {
      const name = topicName(topic);
      const started = Date.now();
      try {
        const messageId = await (await getTopic(name)).publishMessage(encodeEventMessage(event));
        options.logger.debug('event published', { topic: name, eventId: event.id, type: event.type, messageId, ms: Date.now() - started });
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new Error(`publishing ${event.type} ${event.id} to Pub/Sub topic ${name} failed after ${Date.now() - started} ms: ${reason}`, { cause: err });
      }
    },

    async close() {
      const pubsub = await client?.catch(() => undefined);
      if (!pubsub) return;
      await Promise.allSettled([...topics.values()].map((t) => t.flush()));
      topics.clear();
      await pubsub.close();
    },
  };
}
