/** Pub/Sub deliveries as the functions framework presents them (Eventarc CloudEvents, plain push bodies) reaching an event handler. */
import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import { anEvent } from '../../shared/adapters/events/event-bus.contract';
import { decodeEventData, encodeEventMessage, InvalidEventMessageError } from '../../shared/adapters/events/pubsub-message';
import {
  MESSAGE_PUBLISHED,
  parsePushBody,
  registerDeadLetterFunction,
  registerEventFunction,
  type DeadLetteredMessage,
} from '../../shared/adapters/events/pubsub-push';
import { createLogger } from '../../shared/logging/logger';
import type { Delivery, DomainEvent } from '../../shared/ports/event-bus.port';

const lines: string[] = [];
const logger = createLogger({ level: 'debug', write: (line) => lines.push(line) });
const handled: { event: DomainEvent; delivery: Delivery }[] = [];
registerEventFunction('push-probe', () => ({
  subscription: 'apply-payment',
  logger,
  handler: async (event, delivery) => {
    if ((event.data as { fail?: boolean }).fail) throw new Error('ledger write failed');
    handled.push({ event, delivery });
  },
}));

registerEventFunction('unbuildable-probe', () => {
  throw new Error('DATABASE_URL is not set');
});

const routed: string[] = [];
const record = (label: string) => async (event: DomainEvent, delivery: Delivery) => void routed.push(`${label}:${delivery.subscription}:${event.id}`);
registerEventFunction('router-probe', () => ({
  logger,
  subscriptions: [
    { name: 'notify-declaration-events', topic: 'declaration-events', handler: record('declarations') },
    { name: 'notify-payer', topic: 'payment-events', handler: record('payer') },
    { name: 'notify-finance', topic: 'payment-events', handler: record('finance') },
  ],
}));

const forwarded: DeadLetteredMessage[] = [];
registerDeadLetterFunction('dead-letter-probe', () => ({ logger, sink: async (m) => void forwarded.push(m) }));

const TOPIC = 'projects/taxasge-prod/topics/payment-events';
const base64 = (event: DomainEvent) => encodeEventMessage(event).data.toString('base64');
const pushBody = (event: DomainEvent, extra: object = {}) => ({
  message: { data: base64(event), attributes: encodeEventMessage(event).attributes, messageId: '4242', publishTime: '2026-11-24T08:00:00.000Z' },
  subscription: 'projects/taxasge-prod/subscriptions/eventarc-europe-west1-apply-payment-000-sub-111',
  ...extra,
});
const logged = (message: string) => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.message === message);

beforeAll(() => jest.spyOn(console, 'error').mockImplementation(() => undefined));
afterAll(() => jest.restoreAllMocks());
beforeEach(() => {
  lines.length = 0;
  handled.length = 0;
  routed.length = 0;
});

describe('an event function behind Eventarc', () => {
  it('reads a binary-mode CloudEvent, with the delivery attempt and the trace', async () => {
    const event = anEvent();
    await request(getTestServer('push-probe'))
      .post('/')
      .set({
        'ce-id': '4242',
        'ce-type': MESSAGE_PUBLISHED,
        'ce-source': `//pubsub.googleapis.com/${TOPIC}`,
        'ce-specversion': '1.0',
        traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`,
      })
      .send(pushBody(event, { deliveryAttempt: 3 }))
      .expect(204);
    expect(handled).toEqual([{ event, delivery: { subscription: 'apply-payment', attempt: 3 } }]);
    expect(logged('event handled')[0]).toMatchObject({ eventId: event.id, messageId: '4242', 'logging.googleapis.com/trace': 'a'.repeat(32) });
  });

  it('reads a structured CloudEvent, taking the attempt from the message when only it has one', async () => {
    const event = anEvent();
    const body = pushBody(event);
    await request(getTestServer('push-probe'))
      .post('/')
      .set('content-type', 'application/cloudevents+json')
      .send({
        specversion: '1.0',
        id: '4242',
        type: MESSAGE_PUBLISHED,
        source: `//pubsub.googleapis.com/${TOPIC}`,
        data: { ...body, message: { ...body.message, deliveryAttempt: 2 } },
      })
      .expect(204);
    expect(handled).toEqual([{ event, delivery: { subscription: 'apply-payment', attempt: 2 } }]);
  });
});

describe('an event function receiving a plain Pub/Sub push (the emulator, a push subscription)', () => {
  it("acknowledges with 204 once the handler returned, with Pub/Sub's delivery attempt", async () => {
    const event = anEvent({ amount: 2000, payer: 'Ñúñez' });
    await request(getTestServer('push-probe'))
      .post(`/${TOPIC}`)
      .set('traceparent', `00-${'c'.repeat(32)}-${'d'.repeat(16)}-01`)
      .send(pushBody(event, { deliveryAttempt: 4 }))
      .expect(204);
    expect(handled).toEqual([{ event, delivery: { subscription: 'apply-payment', attempt: 4 } }]);
    expect(logged('event handled')[0]).toMatchObject({ eventId: event.id, attempt: 4, 'logging.googleapis.com/trace': 'c'.repeat(32) });
  });

  it('counts a delivery as the first when Pub/Sub does not number it (no dead-letter policy)', async () => {
    const event = anEvent();
    await request(getTestServer('push-probe')).post(`/${TOPIC}`).send(pushBody(event)).expect(204);
    expect(handled).toEqual([{ event, delivery: { subscription: 'apply-payment', attempt: 1 } }]);
  });

  it('acknowledges and logs a body that is not JSON', async () => {
    await request(getTestServer('push-probe')).post(`/${TOPIC}`).set('content-type', 'text/plain').send('payment ok').expect(204);
    expect(handled).toEqual([]);
    expect(logged('event message acknowledged without handling: not a DomainEvent')[0]!.reason).toMatch(/JSON/);
  });

  it('answers 500 and logs the error when the function cannot be wired, before any handler runs', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await request(getTestServer('unbuildable-probe')).post(`/${TOPIC}`).send(pushBody(anEvent())).expect(500);
      const written = stderr.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('event delivery failed'));
      expect(written.map((l) => JSON.parse(l) as unknown)).toEqual([
        { severity: 'ERROR', message: 'event delivery failed before its handler ran', error: 'DATABASE_URL is not set' },
      ]);
    } finally {
      stderr.mockRestore();
    }
  });

  it('answers 500 when the handler throws, so that Pub/Sub redelivers', async () => {
    const event = anEvent({ fail: true });
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await request(getTestServer('push-probe')).post(`/${TOPIC}`).send(pushBody(event)).expect(500);
      // Logged once, as a warning with its event: a transient failure is not an error line.
      expect(stderr.mock.calls.filter((c) => String(c[0]).includes('event delivery failed'))).toEqual([]);
    } finally {
      stderr.mockRestore();
    }
    expect(logged('event handler failed; Pub/Sub will redeliver')[0]).toMatchObject({
      eventId: event.id,
      subscription: 'apply-payment',
      error: 'ledger write failed',
    });
  });

  it.each([
    ['data that is not JSON', Buffer.from('payment ok').toString('base64'), /do not parse as JSON/],
    [
      'JSON that is not an event',
      Buffer.from(JSON.stringify({ type: 'payment.succeeded', data: {} })).toString('base64'),
      /id \(a non-empty string\).*source.*time/,
    ],
    ['a JSON array', Buffer.from('[1]').toString('base64'), /got an array/],
  ])('acknowledges and logs a message carrying %s, which could never succeed', async (_what, data, reason) => {
    await request(getTestServer('push-probe'))
      .post(`/${TOPIC}`)
      .send({ message: { data, messageId: '7' }, subscription: 'projects/p/subscriptions/s' })
      .expect(204);
    expect(handled).toEqual([]);
    const [entry] = logged('event message acknowledged without handling: not a DomainEvent');
    expect(entry).toMatchObject({ severity: 'ERROR', subscription: 'apply-payment', cloudEventId: '7' });
    expect(entry!.reason).toMatch(reason);
  });

  it('acknowledges a CloudEvent that carries no Pub/Sub message', async () => {
    await request(getTestServer('push-probe'))
      .post('/')
      .set('content-type', 'application/cloudevents+json')
      .send({ specversion: '1.0', id: 'x', type: 'google.cloud.storage.object.v1.finalized', source: '//storage.googleapis.com/b', data: { name: 'a.pdf' } })
      .expect(204);
    expect(handled).toEqual([]);
    expect(logged('event message acknowledged without handling: not a DomainEvent')[0]!.reason).toMatch(/with a `message` object/);
  });
});

describe('one event function serving several subscriptions', () => {
  it('routes by the topic of the push path when one subscription consumes it', async () => {
    const event = anEvent();
    await request(getTestServer('router-probe')).post('/projects/taxasge-prod/topics/declaration-events').send(pushBody(event)).expect(204);
    expect(routed).toEqual([`declarations:notify-declaration-events:${event.id}`]);
  });

  it('routes by the subscription Pub/Sub names when several consume the topic', async () => {
    const event = anEvent();
    await request(getTestServer('router-probe'))
      .post('/')
      .set({ 'ce-id': '1', 'ce-type': MESSAGE_PUBLISHED, 'ce-source': `//pubsub.googleapis.com/${TOPIC}`, 'ce-specversion': '1.0' })
      .send(pushBody(event, { subscription: 'projects/taxasge-prod/subscriptions/notify-finance' }))
      .expect(204);
    expect(routed).toEqual([`finance:notify-finance:${event.id}`]);
  });

  it.each([
    ['a topic none of them consumes', '/projects/taxasge-prod/topics/notifications', /none of this function's subscriptions .* match topic notifications/],
    ['a topic two of them consume, without naming the subscription', `/${TOPIC}`, /several of this function's subscriptions .* match topic payment-events/],
  ])('fails (so Pub/Sub retries, then dead-letters) on %s', async (_what, path, why) => {
    await request(getTestServer('router-probe')).post(path).send(pushBody(anEvent())).expect(500);
    expect(routed).toEqual([]);
    expect(logged('event delivered to a function that cannot route it')[0]!.why).toMatch(why);
  });
});

describe('the wire form of an event', () => {
  it('round-trips through encode and decode, and through a push body', () => {
    const event = anEvent({ amount: 1_500_000, currency: 'XAF', note: 'Ébano' });
    expect(decodeEventData(encodeEventMessage(event).data)).toEqual(event);
    expect(parsePushBody({ message: { data: base64(event), message_id: '9' } }, 'notify-payer')).toEqual({
      event,
      delivery: { subscription: 'notify-payer', attempt: 1 },
      messageId: '9',
      attributes: {},
    });
  });

  it('leaves out attributes Pub/Sub would refuse, and the subject when there is none', () => {
    const { subject: _subject, ...event } = anEvent();
    const { attributes } = encodeEventMessage({ ...event, source: `/${'s'.repeat(1100)}` });
    expect(Object.keys(attributes).sort()).toEqual(['ce-id', 'ce-specversion', 'ce-time', 'ce-type', 'content-type']);
  });

  it('refuses a push body without message data', () => {
    expect(() => parsePushBody({ message: { data: '' } }, 's')).toThrow(InvalidEventMessageError);
    expect(() => parsePushBody({ message: { data: base64(anEvent()) }, deliveryAttempt: 0 }, 's')).not.toThrow();
  });
});

describe('the dead-letters function', () => {
  beforeEach(() => (forwarded.length = 0));

  it('reads where a dead-lettered copy came from and how often it was tried', async () => {
    const event = anEvent();
    const { data, attributes } = encodeEventMessage(event);
    const deadLetterAttributes = { ...attributes, CloudPubSubDeadLetterSourceSubscription: 'apply-payment', CloudPubSubDeadLetterSourceDeliveryCount: '5' };
    await request(getTestServer('dead-letter-probe'))
      .post('/projects/taxasge-prod/topics/apply-payment-dead-letter')
      .send({
        message: { data: data.toString('base64'), attributes: deadLetterAttributes, messageId: '77' },
        subscription: 'projects/taxasge-prod/subscriptions/apply-payment-dead-letter',
      })
      .expect(204);
    expect(forwarded).toEqual([{ event, subscription: 'apply-payment', deadLetterTopic: 'apply-payment-dead-letter', attempts: 5, messageId: '77' }]);
  });

  it('acknowledges a copy that is not an event, with a log line as its only record', async () => {
    await request(getTestServer('dead-letter-probe'))
      .post('/projects/taxasge-prod/topics/apply-payment-dead-letter')
      .send({
        message: { data: Buffer.from('not json').toString('base64'), messageId: '78' },
        subscription: 'projects/taxasge-prod/subscriptions/apply-payment-dead-letter',
      })
      .expect(204);
    expect(forwarded).toEqual([]);
    expect(logged('dead-lettered message is not a DomainEvent: acknowledged, kept only in this log')).toHaveLength(1);
  });
});
