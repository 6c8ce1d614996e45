/** The Pub/Sub bus's use of the SDK (loaded lazily, one client, cached topics, bounded publish), with the SDK replaced; the emulator tests are in test/pubsub. */
import { createLogger } from '../../logging/logger';
import { anEvent } from './event-bus.contract';
import { createPubSubBus } from './pubsub-bus';
import { decodeEventData, type EventMessage } from './pubsub-message';

const mockSdk = {
  loads: 0,
  configs: [] as unknown[],
  topics: [] as { name: string; options: Record<string, unknown> }[],
  published: [] as { topic: string; message: EventMessage }[],
  failure: undefined as Error | undefined,
  flushed: 0,
  closed: 0,
};

jest.mock('@google-cloud/pubsub', () => {
  mockSdk.loads++;
  class PubSub {
    constructor(config: unknown) {
      mockSdk.configs.push(config);
    }
    topic(name: string, options: Record<string, unknown>) {
      mockSdk.topics.push({ name, options });
      return {
        publishMessage: async (message: EventMessage) => {
          await new Promise((r) => setTimeout(r, 1));
          if (mockSdk.failure) throw mockSdk.failure;
          mockSdk.published.push({ topic: name, message });
          return String(mockSdk.published.length);
        },
        flush: async () => void mockSdk.flushed++,
      };
    }
    async close() {
      mockSdk.closed++;
    }
  }
  return { PubSub };
});

const logger = createLogger({ level: 'error', write: () => undefined });

beforeEach(() => {
  mockSdk.configs.length = 0;
  mockSdk.topics.length = 0;
  mockSdk.published.length = 0;
  mockSdk.failure = undefined;
});

it('loads the SDK on the first publish, then keeps one client and one topic object per topic', async () => {
  const bus = createPubSubBus({ projectId: 'taxasge-prod', logger });
  expect(mockSdk.loads).toBe(0);

  const events = [anEvent(), anEvent(), anEvent()];
  await Promise.all([bus.publish('payment-events', events[0]!), bus.publish('payment-events', events[1]!), bus.publish('notifications', events[2]!)]);
  await bus.publish('payment-events', anEvent());

  expect(mockSdk.loads).toBe(1);
  expect(mockSdk.configs).toEqual([{ projectId: 'taxasge-prod' }]);
  expect(mockSdk.topics.map((t) => t.name)).toEqual(['payment-events', 'notifications']);
  expect(mockSdk.published.slice(0, 3).map((p) => [p.topic, decodeEventData(p.message.data)])).toEqual([
    ['payment-events', events[0]],
    ['payment-events', events[1]],
    ['notifications', events[2]],
  ]);
  expect(mockSdk.published[0]!.message.attributes['ce-id']).toBe(events[0]!.id);
});

it('names topics through topicName, batches for low latency and bounds a publish, retries included', async () => {
  const bus = createPubSubBus({ projectId: 'p', logger, topicName: (t) => `staging-${t}`, publishTimeoutMs: 750 });
  await bus.publish('declaration-events', anEvent());
  const [{ name, options }] = mockSdk.topics as [{ name: string; options: Record<string, unknown> }];
  expect(name).toBe('staging-declaration-events');
  expect(options).toMatchObject({
    batching: { maxMessages: 10, maxMilliseconds: 5 },
    gaxOpts: { timeout: 750, retry: { retryCodes: expect.arrayContaining([14, 4]), backoffSettings: expect.objectContaining({ totalTimeoutMillis: 750, maxRetryDelayMillis: 188 }) } },
  });
});

it('talks to an emulator in plaintext, without looking for credentials', async () => {
  const bus = createPubSubBus({ projectId: 'taxasge-test', apiEndpoint: '127.0.0.1:8085', logger });
  await bus.publish('notifications', anEvent());
  expect(mockSdk.configs).toEqual([{ projectId: 'taxasge-test', apiEndpoint: '127.0.0.1:8085', emulatorMode: true, universeDomain: 'googleapis.com' }]);
});

it('rejects naming the event and the topic when Pub/Sub does not acknowledge, keeping the cause', async () => {
  const bus = createPubSubBus({ projectId: 'p', logger });
  const event = anEvent();
  mockSdk.failure = Object.assign(new Error('4 DEADLINE_EXCEEDED: Total timeout of API google.pubsub.v1.Publisher exceeded 5000 milliseconds'), { code: 4 });
  const rejection = bus.publish('payment-events', event);
  await expect(rejection).rejects.toThrow(new RegExp(`publishing payment.succeeded ${event.id} to Pub/Sub topic payment-events failed after \\d+ ms: 4 DEADLINE_EXCEEDED`));
  await expect(rejection).rejects.toMatchObject({ cause: mockSdk.failure });
});

it('flushes its topics and closes the client on close; an unused bus has nothing to close', async () => {
  const closedBefore = mockSdk.closed;
  await createPubSubBus({ projectId: 'p', logger }).close();
  expect(mockSdk.closed).toBe(closedBefore);

  const bus = createPubSubBus({ projectId: 'p', logger });
  await bus.publish('payment-events', anEvent());
  const flushedBefore = mockSdk.flushed;
  await bus.close();
  expect(mockSdk.flushed).toBe(flushedBefore + 1);
  expect(mockSdk.closed).toBe(closedBefore + 1);
});
