/** Dead letters from either bus end in the table the admin reads: once per Pub/Sub message, never dropped. */
import { createDeadLetterRecorder } from '../shared/events/dead-letters';
import { createLogger } from '../shared/logging/logger';
import { randomIds } from '../shared/ports/ids.port';
import { systemClock } from '../shared/ports/clock.port';
import { subscriptionOfDeadLetterTopic, topology } from '../shared/topology/topology';
import { createTestDatabase, type TestDatabase } from './support/test-database';

let t: TestDatabase;
const lines: Record<string, unknown>[] = [];
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const recorder = () =>
  createDeadLetterRecorder({
    db: t.db,
    ids: randomIds,
    clock: systemClock,
    logger: createLogger({ level: 'debug', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) }),
    routes: {
      subscriptionOf: subscriptionOfDeadLetterTopic,
      topicOf: (s) => (s in topology.subscriptions ? topology.subscriptions[s as keyof typeof topology.subscriptions].topic : undefined),
    },
  });
const event = (id: string) => ({ id, type: 'payment.applied', source: '/test', time: new Date().toISOString(), data: {} });
const rows = async () =>
  (
    await t.db.query<{ subscription: string; topic: string; attempts: number; event: { id: string } }>(
      'SELECT subscription, topic, attempts, event FROM dead_letters ORDER BY dead_at',
    )
  ).rows;

it('records a Pub/Sub dead letter once however often it is pushed, its topic from the topology', async () => {
  const m = {
    event: event('00000000-0000-4000-8000-000000000001'),
    subscription: undefined,
    deadLetterTopic: 'issue-receipt-dead-letter',
    attempts: 5,
    messageId: 'm-1',
  };
  await recorder().fromPubSub(m);
  await recorder().fromPubSub(m);
  expect(await rows()).toEqual([expect.objectContaining({ subscription: 'issue-receipt', topic: 'payment-applied', attempts: 5 })]);
  expect(lines.filter((l) => l.message === 'event dead-lettered')).toHaveLength(1);
});

it('keeps a dead letter whose origin cannot be told, under "unknown"', async () => {
  await recorder().fromPubSub({
    event: event('00000000-0000-4000-8000-000000000002'),
    subscription: undefined,
    deadLetterTopic: 'somebody-else',
    attempts: undefined,
    messageId: 'm-2',
  });
  expect((await rows())[1]).toMatchObject({ subscription: 'unknown', topic: 'unknown', attempts: 0 });
  expect(lines.some((l) => l.message === 'dead letter of an unknown subscription')).toBe(true);
});
