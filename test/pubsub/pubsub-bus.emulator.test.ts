/**
 * The Pub/Sub adapter (REST publishing) on the emulator: the wire format, batches, refusals, push
 * delivery to CloudEvent functions served by the functions framework, and the event-bus contract
 * (one emulator for the file). The SDK serves only as the test's admin: topics, subscriptions, pulls.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { PubSub, type Message, type Subscription as PubSubSubscription } from '@google-cloud/pubsub';
import { anEvent, describeEventBusContract, eventually, type DeadLetterSeen } from '../../shared/adapters/events/event-bus.contract';
import { createPubSubBus, type PubSubBus } from '../../shared/adapters/events/pubsub-bus';
import { decodeEventData } from '../../shared/adapters/events/pubsub-message';
import { registerEventFunction } from '../../shared/adapters/events/pubsub-push';
import { createLogger } from '../../shared/logging/logger';
import type { Subscription, Topic } from '../../shared/ports/event-bus.port';
import { startPubSubEmulator, type PubSubEmulator } from '../../scripts/deployed/pubsub-emulator';
import { received as exampleReceived } from './example-consumer.function';

const logger = createLogger({ level: 'error', write: () => undefined });
// Generous, so a loaded machine's slow emulator never decides a test; the bounds below are fractions of it.
const PUBLISH_TIMEOUT_MS = 5_000;
let emulator: PubSubEmulator;
let admin: PubSub;
const metadataWarnings: string[] = [];
const onWarning = (w: Error) => void (w.name === 'MetadataLookupWarning' && metadataWarnings.push(w.message));

beforeAll(async () => {
  process.on('warning', onWarning);
  // The framework prints the stack of every handler that throws (the nacks these tests cause on purpose).
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
  emulator = await startPubSubEmulator();
  admin = new PubSub({ projectId: emulator.projectId, apiEndpoint: emulator.host, emulatorMode: true, universeDomain: 'googleapis.com' });
});

afterAll(async () => {
  process.removeListener('warning', onWarning);
  await admin?.close();
  await emulator?.stop();
  jest.restoreAllMocks();
});

let caseNo = 0;
const newPrefix = () => `case${++caseNo}-${randomBytes(2).toString('hex')}`;
const busFor = (prefix: string): PubSubBus =>
  createPubSubBus({
    projectId: emulator.projectId,
    emulatorHost: emulator.host,
    logger,
    topicName: (t) => `${prefix}-${t}`,
    publishTimeoutMs: PUBLISH_TIMEOUT_MS,
  });

async function listen(functionName: string): Promise<{ server: Server; port: number }> {
  const server = getTestServer(functionName);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The framework reads the topic from a push path containing `projects/<project>/topics/<topic>`. */
const pushEndpoint = (port: number, topicId: string) => `http://127.0.0.1:${port}/projects/${emulator.projectId}/topics/${topicId}`;

describe('the Pub/Sub adapter on the emulator', () => {
  it('publishes the event as structured CloudEvent JSON with ce-* attributes, resolving once the server acknowledged it', async () => {
    const prefix = newPrefix();
    const bus = busFor(prefix);
    const [topic] = await admin.createTopic(`${prefix}-payment-events`);
    const [sub] = await topic.createSubscription(`${prefix}-wire`);
    const messages: Message[] = [];
    sub.on('message', (m: Message) => {
      messages.push(m);
      m.ack();
    });
    try {
      const event = anEvent({ amount: 2000, currency: 'XAF' });
      await bus.publish('payment-events', event);
      await eventually(() => messages.length > 0, 5_000, 'the message to be pulled');
      const [message] = messages;
      expect(message!.attributes).toEqual({
        'content-type': 'application/cloudevents+json',
        'ce-specversion': '1.0',
        'ce-id': event.id,
        'ce-type': event.type,
        'ce-source': event.source,
        'ce-subject': event.subject,
        'ce-time': event.time,
      });
      expect(JSON.parse(message!.data.toString('utf8'))).toEqual({ specversion: '1.0', datacontenttype: 'application/json', ...event });
      expect(decodeEventData(message!.data)).toEqual(event);
    } finally {
      await sub.close();
      await bus.close();
    }
  });

  it('sends the events of one turn in one request, each with its own message id, in order', async () => {
    const prefix = newPrefix();
    const bus = busFor(prefix);
    const [topic] = await admin.createTopic(`${prefix}-payment-events`);
    const [sub] = await topic.createSubscription(`${prefix}-batch`);
    const messages: Message[] = [];
    sub.on('message', (m: Message) => {
      messages.push(m);
      m.ack();
    });
    try {
      const events = Array.from({ length: 25 }, (_, i) => anEvent({ n: i }));
      await Promise.all(events.map((e) => bus.publish('payment-events', e)));
      await eventually(() => messages.length >= events.length, 5_000, 'every message to be pulled');
      expect(messages.map((m) => decodeEventData(m.data).id).sort()).toEqual(events.map((e) => e.id).sort());
      expect(new Set(messages.map((m) => m.id)).size).toBe(events.length);
    } finally {
      await sub.close();
      await bus.close();
    }
  });

  it('rejects at once, naming the topic, when the topic does not exist', async () => {
    const bus = busFor(newPrefix());
    const event = anEvent();
    const started = Date.now();
    await expect(bus.publish('notifications', event)).rejects.toThrow(
      new RegExp(`${event.id} to Pub/Sub topic case\\d+-[0-9a-f]{4}-notifications failed after \\d+ ms: HTTP 404 NOT_FOUND: Topic not found$`),
    );
    expect(Date.now() - started).toBeLessThan(PUBLISH_TIMEOUT_MS / 2);
    await bus.close();
  });

  it('pushes to an event function served by the functions framework, which acknowledges it', async () => {
    const prefix = newPrefix();
    const bus = busFor(prefix);
    const { server, port } = await listen('example-consumer');
    const topicId = `${prefix}-declaration-events`;
    const [topic] = await admin.createTopic(topicId);
    await topic.createSubscription(`${prefix}-example-consumer`, { pushConfig: { pushEndpoint: pushEndpoint(port, topicId) } });
    try {
      const event = anEvent({ declarationId: 'd-1', to: 'paid' });
      const started = Date.now();
      await bus.publish('declaration-events', event);
      await eventually(() => exampleReceived.some((r) => r.event.id === event.id), 15_000, 'the push delivery');
      // Pushed at once, as the first delivery (attempt 1 below); the bound is wide for a busy machine.
      expect(Date.now() - started).toBeLessThan(9_000);
      expect(exampleReceived.find((r) => r.event.id === event.id)).toEqual({ event, delivery: { subscription: 'example-consumer', attempt: 1 } });
    } finally {
      await closeServer(server);
      await bus.close();
    }
  });

  it('talks to the emulator without probing a metadata server', () => {
    expect(metadataWarnings).toEqual([]);
  });
});

describeEventBusContract('Pub/Sub adapter on the emulator, push to event functions', {
  async create() {
    const prefix = newPrefix();
    const bus = busFor(prefix);
    const dead: DeadLetterSeen[] = [];
    const servers: Server[] = [];
    const deadLetterSubs: PubSubSubscription[] = [];
    const pushSubs: PubSubSubscription[] = [];
    // Publishing needs the topics to exist, subscribed or not.
    await Promise.all((['declaration-events', 'payment-events', 'notifications'] as Topic[]).map((t) => admin.createTopic(`${prefix}-${t}`)));

    async function subscribeOne(s: Subscription): Promise<void> {
      const functionName = `${prefix}-${s.name}`;
      registerEventFunction(functionName, () => ({ handler: s.handler, logger, subscription: s.name }));
      const { server, port } = await listen(functionName);
      servers.push(server);
      const [deadLetterTopic] = await admin.createTopic(`${prefix}-${s.name}-dead-letter`);
      const [deadLetterSub] = await deadLetterTopic.createSubscription(`${prefix}-${s.name}-dead-letters`);
      deadLetterSub.on('message', (m: Message) => {
        dead.push({ subscription: s.name, event: decodeEventData(m.data), attempts: Number(m.attributes.CloudPubSubDeadLetterSourceDeliveryCount) });
        m.ack();
      });
      deadLetterSubs.push(deadLetterSub);
      const topicId = `${prefix}-${s.topic}`;
      const [pushSub] = await admin.topic(topicId).createSubscription(functionName, {
        pushConfig: { pushEndpoint: pushEndpoint(port, topicId) },
        deadLetterPolicy: { deadLetterTopic: deadLetterTopic.name, maxDeliveryAttempts: s.maxDeliveryAttempts ?? 5 },
        ackDeadlineSeconds: 10,
      });
      pushSubs.push(pushSub);
    }

    return {
      bus,
      subscribe: async (subscriptions) => void (await Promise.all(subscriptions.map(subscribeOne))),
      deadLetters: () => dead,
      // The emulator is the bus here: stopping it is the outage (this case runs last in the file).
      makeUnavailable: () => emulator.stop(),
      async close() {
        await bus.close();
        await Promise.all(deadLetterSubs.map((s) => s.close()));
        // Deleting the push subscriptions stops the emulator retrying into closed servers.
        await Promise.allSettled(pushSubs.map((s) => s.delete()));
        await Promise.all(servers.map(closeServer));
      },
    };
  },
  // Upper bounds only (a pass ends as soon as the delivery is seen), wide for a loaded machine.
  deliveryTimeoutMs: 15_000,
  // The emulator redelivers a nacked push about once a second: five attempts take ~5 s.
  deadLetterTimeoutMs: 25_000,
  // Retries stop before a back-off would pass the budget; the margin is for a loaded machine.
  unavailableRejectMs: PUBLISH_TIMEOUT_MS + 2_000,
});
