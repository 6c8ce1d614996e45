/**
 * The Pub/Sub adapter's readiness probe (ping) on the emulator: up when Pub/Sub answers and the
 * topics exist, down naming a missing topic, down when Pub/Sub is gone; never a published message.
 * The emulator is stopped by the last case of the file.
 */
import { randomBytes } from 'node:crypto';
import { PubSub } from '@google-cloud/pubsub';
import { createPubSubBus, type PubSubBus } from '../../shared/adapters/events/pubsub-bus';
import { createMemoryCache } from '../../shared/adapters/cache/memory-cache';
import { createHealthService } from '../../shared/domain/health/health.service';
import { createLogger } from '../../shared/logging/logger';
import { systemClock } from '../../shared/ports/clock.port';
import type { Topic } from '../../shared/ports/event-bus.port';
import { startPubSubEmulator, type PubSubEmulator } from '../../scripts/deployed/pubsub-emulator';

const logger = createLogger({ level: 'error', write: () => undefined });
const PROBED: Topic[] = ['payment-events', 'declaration-events'];
let emulator: PubSubEmulator;
let admin: PubSub;

beforeAll(async () => {
  emulator = await startPubSubEmulator();
  admin = new PubSub({ projectId: emulator.projectId, apiEndpoint: emulator.host, emulatorMode: true, universeDomain: 'googleapis.com' });
});

afterAll(async () => {
  await admin?.close();
  await emulator?.stop();
});

let caseNo = 0;
const newPrefix = () => `ready${++caseNo}-${randomBytes(2).toString('hex')}`;
// Generous: the emulator is slow to answer its first requests on a loaded machine.
const busFor = (prefix: string, timeoutMs = 5_000): PubSubBus =>
  createPubSubBus({
    projectId: emulator.projectId,
    emulatorHost: emulator.host,
    logger,
    topicName: (t) => `${prefix}-${t}`,
    probeTopics: PROBED,
    publishTimeoutMs: timeoutMs,
  });

/** What a pull subscription holds, without waiting: the emulator's REST pull with returnImmediately. */
async function pending(subscription: string): Promise<unknown[]> {
  const res = await fetch(`http://${emulator.host}/v1/projects/${emulator.projectId}/subscriptions/${subscription}:pull`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ maxMessages: 10, returnImmediately: true }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { receivedMessages?: unknown[] }).receivedMessages ?? [];
}

it('is up when Pub/Sub answers and every probed topic exists, and publishes nothing', async () => {
  const prefix = newPrefix();
  const subscriptions = await Promise.all(
    PROBED.map(async (t) => {
      const [topic] = await admin.createTopic(`${prefix}-${t}`);
      const [sub] = await topic.createSubscription(`${prefix}-${t}-watch`);
      return sub.name.split('/').pop()!;
    }),
  );
  const bus = busFor(prefix);
  await expect(bus.ping()).resolves.toBeUndefined();
  await expect(bus.ping()).resolves.toBeUndefined();
  for (const s of subscriptions) expect(await pending(s)).toEqual([]);
  await bus.close();
});

it('is down naming the missing topic, and only that one', async () => {
  const prefix = newPrefix();
  await admin.createTopic(`${prefix}-payment-events`);
  const bus = busFor(prefix);
  const ping = bus.ping();
  await expect(ping).rejects.toThrow(`Pub/Sub (http://${emulator.host}, project ${emulator.projectId}): topic ${prefix}-declaration-events not found`);
  await expect(ping).rejects.not.toThrow('payment-events');
});

it('names every missing topic together', async () => {
  const prefix = newPrefix();
  await expect(busFor(prefix).ping()).rejects.toThrow(new RegExp(`: topics ${prefix}-payment-events, ${prefix}-declaration-events not found$`));
});

it('makes the health check report pubsub down with that detail, and up once the topic exists', async () => {
  const prefix = newPrefix();
  await admin.createTopic(`${prefix}-payment-events`);
  const health = createHealthService({
    db: { ping: async () => undefined },
    cache: createMemoryCache({ clock: systemClock }),
    bus: busFor(prefix),
    clock: systemClock,
    timeoutMs: 5_000,
  });
  const down = await health.readiness();
  expect(down).toMatchObject({
    ready: false,
    failing: ['pubsub'],
    checks: { pubsub: { status: 'down', kind: 'pubsub', detail: expect.stringContaining(`topic ${prefix}-declaration-events not found`) } },
  });

  await admin.createTopic(`${prefix}-declaration-events`);
  const up = await health.readiness();
  expect(up).toMatchObject({ ready: true, failing: [], checks: { pubsub: { status: 'up', kind: 'pubsub' } } });
  expect(up.checks.pubsub.detail).toBeUndefined();
});

// Last: it stops the emulator.
it('is down, quickly and saying why, once the emulator is stopped', async () => {
  const prefix = newPrefix();
  await Promise.all(PROBED.map((t) => admin.createTopic(`${prefix}-${t}`)));
  const bus = busFor(prefix);
  await bus.ping();
  await emulator.stop();
  const started = Date.now();
  await expect(bus.ping()).rejects.toThrow(
    new RegExp(
      `^Pub/Sub \\(http://${emulator.host.replace(/\./g, '\\.')}, project ${emulator.projectId}\\): topics ${prefix}-payment-events, ${prefix}-declaration-events: connect ECONNREFUSED ${emulator.host.replace(/\./g, '\\.')}$`,
    ),
  );
  expect(Date.now() - started).toBeLessThan(5_000);
});
