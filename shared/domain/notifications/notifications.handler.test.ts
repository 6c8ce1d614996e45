import { createInProcessBus } from '../../adapters/events/in-process-bus';
import { createChannelNotifiers } from '../../adapters/notify/channel-notifiers';
import { createLogger } from '../../logging/logger';
import { createMetricRecorder } from '../../metrics/metric-recorder';
import { createFixedClock } from '../../ports/clock.port';
import type { DeadLetter, DomainEvent } from '../../ports/event-bus.port';
import { createSequentialIds } from '../../ports/ids.port';
import type { Notifier, OutgoingMessage } from '../../ports/notifier.port';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import type { Language } from '../../ports/language';
import { DECLARATION_EVENT_SOURCE, type DeclarationTransitionData } from '../events/declaration-events';
import { RecipientUnreachableError } from './delivery-errors';
import { renderMessage } from './message-renderer';
import type { PaymentAppliedData } from './notification-events';
import { saveDeviceToken } from './notification-recipients.repository';
import type { Channel } from './notification-rules';
import { createNotificationsHandler, type NotificationHandlers } from './notifications.handler';

const ANA = '00000000-0000-4000-a000-000000000001'; // es, phone and a device
const MARIE = '00000000-0000-4000-a000-000000000002'; // fr, no phone, no device
const JOHN = '00000000-0000-4000-a000-000000000003'; // en, national phone number, a device
const NOBODY = '00000000-0000-4000-a000-0000000000ff';

let t: TestDatabase;
const clock = createFixedClock('2026-03-02T10:00:00.000Z');

beforeAll(async () => {
  t = await createTestDatabase();
  const users: [string, string, string, string | null, Language][] = [
    [ANA, 'ana@example.gq', 'Ana Nsue', '+240 222 123 456', 'es'],
    [MARIE, 'marie@example.gq', 'Marie Ela', null, 'fr'],
    [JOHN, 'john@example.gq', 'John Obiang', '555 000 111', 'en'],
  ];
  for (const [id, email, name, phone, locale] of users) {
    await t.db.query("INSERT INTO users (id, email, password_hash, full_name, phone, role, locale) VALUES ($1, $2, 'x', $3, $4, 'citizen', $5)", [
      id,
      email,
      name,
      phone,
      locale,
    ]);
  }
});
afterAll(() => t.drop());

beforeEach(async () => {
  await t.db.query('DELETE FROM notification_deliveries');
  await t.db.query('DELETE FROM notification_claims');
  await t.db.query('DELETE FROM device_tokens');
  await saveDeviceToken(t.db, { userId: ANA, token: 'token-ana-old', platform: 'android', at: new Date('2026-01-01T00:00:00Z') });
  await saveDeviceToken(t.db, { userId: ANA, token: 'token-ana-phone', platform: 'ios', at: new Date('2026-02-01T00:00:00Z') });
  await saveDeviceToken(t.db, { userId: JOHN, token: 'token-john', platform: 'web', at: new Date('2026-02-01T00:00:00Z') });
});

/** Notifiers that keep what they were asked to send (rendered, to check the language) and fail when told. */
function recordingNotifiers() {
  const sent: (OutgoingMessage & { subject: string; short: string })[] = [];
  const failures: Record<Channel, unknown[]> = { email: [], sms: [], push: [] };
  let gate: { entered: () => void; released: Promise<void> } | undefined;
  /** Holds every send until release(): `entered` resolves once a delivery is sending, with its claims taken. */
  const hold = () => {
    let entered!: () => void;
    let release!: () => void;
    const enteredPromise = new Promise<void>((r) => (entered = r));
    gate = { entered, released: new Promise<void>((r) => (release = r)) };
    return { entered: enteredPromise, release };
  };
  const make = (channel: Channel): Notifier => ({
    async send(message) {
      expect(message.channel).toBe(channel);
      const rendered = renderMessage(message);
      if (gate) {
        gate.entered();
        await gate.released;
      }
      const failure = failures[channel].shift();
      if (failure) throw failure;
      sent.push({ ...message, subject: rendered.subject, short: rendered.short });
    },
  });
  return { sent, failures, hold, notifiers: { email: make('email'), sms: make('sms'), push: make('push') } };
}

function setup() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'debug', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  const recording = recordingNotifiers();
  const handlers = createNotificationsHandler({ db: t.db, clock, ids: createSequentialIds(), logger, notifiers: recording.notifiers });
  return { ...recording, handlers, lines };
}

let seq = 0;
function declarationEvent(to: string, over: Partial<DeclarationTransitionData> = {}): DomainEvent<DeclarationTransitionData> {
  const data: DeclarationTransitionData = {
    declarationId: '10000000-0000-4000-8000-000000000042',
    reference: 'DCL-2026-000042',
    kind: 'tax_return',
    ownerId: ANA,
    ministry: 'M-005',
    from: 'in_review',
    to,
    action: 'approve',
    actorId: '00000000-0000-4000-b000-000000000001',
    actorRole: 'agent',
    reason: null,
    amount: 150_000,
    currency: 'XAF',
    subjectCode: 'IRPF',
    ...over,
  };
  return { id: `evt-${++seq}`, type: `declaration.${to}`, source: DECLARATION_EVENT_SOURCE, time: clock.now().toISOString(), data };
}

function paymentEvent(over: Partial<PaymentAppliedData> = {}): DomainEvent {
  const data = {
    paymentId: 'p-1',
    declarationId: '10000000-0000-4000-8000-000000000042',
    reference: 'PAY-2026-000007',
    amount: 2000,
    currency: 'XAF',
    paidAt: '2026-03-02T09:59:00Z',
    ownerId: JOHN,
    ...over,
  };
  return { id: `evt-${++seq}`, type: 'payment.applied', source: '/taxasge/payments/apply', time: clock.now().toISOString(), data };
}

async function deliveries(eventId: string) {
  const { rows } = await t.db.query<{
    channel: string;
    outcome: string;
    final: boolean;
    attempt: number;
    locale: string | null;
    template: string;
    error: string | null;
    user_id: string;
  }>('SELECT channel, outcome, final, attempt, locale, template, error, user_id FROM notification_deliveries WHERE event_id = $1 ORDER BY attempt, channel', [
    eventId,
  ]);
  return rows;
}

const deliver = (handlers: NotificationHandlers, event: DomainEvent, attempt = 1) =>
  handlers.declarationEvents(event, { subscription: 'notify-declaration-events', attempt });

describe('notifications consumer', () => {
  it('sends an approval once per channel, in the owner language, however often the event is delivered', async () => {
    const { handlers, sent, lines } = setup();
    const event = declarationEvent('approved');
    for (const attempt of [1, 2, 3]) await deliver(handlers, event, attempt);

    expect(sent.map((m) => [m.channel, m.recipient, m.locale])).toEqual([
      ['email', 'ana@example.gq', 'es'],
      ['sms', '+240222123456', 'es'],
      ['push', 'token-ana-phone', 'es'], // the most recently seen device
    ]);
    expect(sent[0]?.subject).toBe('Su declaración DCL-2026-000042 ha sido aprobada');
    expect(sent[1]?.short).toContain('Importe a pagar: 150 000 XAF');
    expect(await deliveries(event.id)).toEqual([
      { channel: 'email', outcome: 'sent', final: true, attempt: 1, locale: 'es', template: 'declaration-approved', error: null, user_id: ANA },
      { channel: 'push', outcome: 'sent', final: true, attempt: 1, locale: 'es', template: 'declaration-approved', error: null, user_id: ANA },
      { channel: 'sms', outcome: 'sent', final: true, attempt: 1, locale: 'es', template: 'declaration-approved', error: null, user_id: ANA },
    ]);
    // Logs name the event and the outcomes, never an address or the text.
    expect(lines.filter((l) => l.message === 'notification delivered')).toEqual([
      expect.objectContaining({ eventId: event.id, outcomes: { email: 'sent', sms: 'sent', push: 'sent' } }),
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/ana@example|222123456|token-ana|aprobada/);
  });

  it('sends once even when three deliveries of the event run at the same moment', async () => {
    const { handlers, sent, hold } = setup();
    const event = declarationEvent('approved');
    // The first delivery is held while sending, its claims taken, until the two others have come and gone.
    const held = hold();
    const first = deliver(handlers, event, 1);
    await held.entered;
    const others = await Promise.allSettled([2, 3].map((attempt) => deliver(handlers, event, attempt)));
    held.release();
    await first;
    // The first claimed every channel; the others are told to come back rather than send again or wait holding a connection.
    expect(others.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    for (const r of others) expect(String((r as PromiseRejectedResult).reason)).toMatch(/being sent by another delivery; retry later/);
    expect(sent.map((m) => m.channel).sort()).toEqual(['email', 'push', 'sms']);
    expect(await deliveries(event.id)).toHaveLength(3);

    await deliver(handlers, event, 4);
    expect(sent).toHaveLength(3);
  });

  it('takes over the claim of a delivery that died while sending', async () => {
    const { handlers, sent } = setup();
    const event = declarationEvent('approved');
    await t.db.query("INSERT INTO notification_claims (event_id, channel, claimed_until) VALUES ($1, 'email', $2)", [
      event.id,
      new Date(clock.now().getTime() + 1000),
    ]);
    await expect(deliver(handlers, event, 1)).rejects.toThrow('email being sent by another delivery');
    expect(sent.map((m) => m.channel).sort()).toEqual(['push', 'sms']);

    clock.advance(1000);
    await deliver(handlers, event, 2);
    expect(sent.map((m) => m.channel).sort()).toEqual(['email', 'push', 'sms']);
    expect((await t.db.query('SELECT 1 FROM notification_claims WHERE event_id = $1', [event.id])).rowCount).toBe(0);
  });

  it('holds no database connection while a provider answers', async () => {
    let inFlight = 0;
    let observed = -1;
    const slow: Notifier = {
      async send() {
        inFlight++;
        observed = Math.max(
          observed,
          (
            await t.db.query<{ n: number }>(
              "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'",
            )
          ).rows[0]!.n,
        );
        await new Promise((r) => setTimeout(r, 20));
        inFlight--;
      },
    };
    const handlers = createNotificationsHandler({
      db: t.db,
      clock,
      ids: createSequentialIds('00000000-0000-4000-9000-'),
      logger: createLogger({ level: 'error', write: () => undefined }),
      notifiers: { email: slow, sms: slow, push: slow },
    });
    await deliver(handlers, declarationEvent('approved'));
    expect(inFlight).toBe(0);
    expect(observed).toBe(0);
  });

  it('throws when a channel fails, and the retry sends only that channel', async () => {
    const { handlers, sent, failures } = setup();
    failures.sms.push(new Error('Twilio answered HTTP 503; provider error'));
    const event = declarationEvent('rejected', { action: 'reject', reason: 'Firma ausente' });

    await expect(deliver(handlers, event, 1)).rejects.toThrow(
      `notification "declaration-rejected" of event ${event.id} failed on sms (Twilio answered HTTP 503; provider error); a redelivery retries only these channels`,
    );
    expect(sent.map((m) => m.channel).sort()).toEqual(['email', 'push']);

    clock.advance(60_000);
    await deliver(handlers, event, 2);
    await deliver(handlers, event, 3);
    expect(sent.map((m) => m.channel)).toEqual(expect.arrayContaining(['email', 'push', 'sms']));
    expect(sent).toHaveLength(3);
    expect(sent[2]?.short).toBe('TaxasGE: su declaración DCL-2026-000042 ha sido rechazada. Motivo: Firma ausente');
    expect((await deliveries(event.id)).map((r) => [r.attempt, r.channel, r.outcome, r.final, r.error])).toEqual([
      [1, 'email', 'sent', true, null],
      [1, 'push', 'sent', true, null],
      [1, 'sms', 'failed', false, 'Twilio answered HTTP 503; provider error'],
      [2, 'sms', 'sent', true, null],
    ]);
  });

  it('gives a user their own language, and records the channels they cannot receive as skipped', async () => {
    const { handlers, sent } = setup();
    const event = declarationEvent('documents_requested', {
      ownerId: MARIE,
      action: 'request_documents',
      reason: 'Il manque le bilan signé',
      kind: 'service_fee',
    });
    await deliver(handlers, event);
    expect(sent).toEqual([
      expect.objectContaining({
        channel: 'email',
        recipient: 'marie@example.gq',
        locale: 'fr',
        subject: 'Documents demandés pour votre demande DCL-2026-000042',
      }),
    ]);
    expect((await deliveries(event.id)).map((r) => [r.channel, r.outcome, r.locale, r.error])).toEqual([
      ['email', 'sent', 'fr', null],
      ['push', 'skipped', 'fr', 'the user has no registered device'],
      ['sms', 'skipped', 'fr', 'the user has no phone number'],
    ]);
    // Skipped is settled: a redelivery does not try again.
    await deliver(handlers, event, 2);
    expect(await deliveries(event.id)).toHaveLength(3);
  });

  it('tells the payer a payment was received, from payment-applied', async () => {
    const { handlers, sent } = setup();
    const event = paymentEvent();
    await handlers.paymentApplied(event, { subscription: 'notify-payer', attempt: 1 });
    expect(sent.map((m) => [m.channel, m.recipient, m.subject])).toEqual([
      ['email', 'john@example.gq', 'Payment received: 2,000 XAF'],
      ['sms', '+240555000111', 'Payment received: 2,000 XAF'],
      ['push', 'token-john', 'Payment received: 2,000 XAF'],
    ]);
    expect(sent[1]?.short).toBe('TaxasGE: we received your payment of 2,000 XAF (ref. PAY-2026-000007). Thank you.');
  });

  it('notifies a submission by email and push, and a service fee approval that completes it', async () => {
    const { handlers, sent } = setup();
    await deliver(handlers, declarationEvent('submitted', { from: 'draft', action: 'submit' }));
    await deliver(handlers, declarationEvent('completed', { kind: 'service_fee', from: 'paid', action: 'auto_approve', actorRole: 'system' }));
    expect(sent.map((m) => [m.template, m.channel])).toEqual([
      ['declaration-submitted', 'email'],
      ['declaration-submitted', 'push'],
      ['declaration-approved', 'email'],
      ['declaration-approved', 'sms'],
      ['declaration-approved', 'push'],
    ]);
    expect(sent[2]?.subject).toBe('Su solicitud DCL-2026-000042 ha sido aprobada');
  });

  it('acknowledges events that do not notify without sending or recording anything', async () => {
    const { handlers, sent } = setup();
    const silent: DomainEvent[] = [
      { ...declarationEvent('paid', { action: 'pay' }) },
      declarationEvent('in_review', { action: 'claim' }),
      declarationEvent('submitted', { from: 'in_review', action: 'release' }), // back in the queue: not news to the owner
      declarationEvent('completed', { from: 'paid', action: 'complete' }), // a paid tax return: the payment message said it
      { id: 'evt-x', type: 'something.unknown', source: '/elsewhere', time: clock.now().toISOString(), data: {} },
    ];
    for (const event of silent) await deliver(handlers, event);
    // A payment event on the declarations subscription, and a failed payment on the payer's.
    await deliver(handlers, paymentEvent());
    await handlers.paymentApplied({ ...paymentEvent(), type: 'payment.failed' }, { subscription: 'notify-payer', attempt: 1 });
    expect(sent).toEqual([]);
    expect((await t.db.query('SELECT 1 FROM notification_deliveries')).rowCount).toBe(0);
  });

  it('acknowledges malformed event data with a warning (retrying cannot fix it)', async () => {
    const { handlers, sent, lines } = setup();
    const event = declarationEvent('approved', { amount: 2000.5 });
    await expect(deliver(handlers, event)).resolves.toBeUndefined();
    expect(sent).toEqual([]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        severity: 'WARNING',
        message: 'notification skipped: the event data is not what its type promises',
        eventId: event.id,
        error: 'unexpected event data: amount: expected an integer amount of XAF',
      }),
    );
  });

  it('records every channel as skipped when the user does not exist', async () => {
    const { handlers, sent } = setup();
    const event = declarationEvent('approved', { ownerId: NOBODY });
    await deliver(handlers, event);
    expect(sent).toEqual([]);
    expect((await deliveries(event.id)).map((r) => [r.channel, r.outcome, r.locale, r.error, r.user_id])).toEqual([
      ['email', 'skipped', null, 'the user does not exist', NOBODY],
      ['push', 'skipped', null, 'the user does not exist', NOBODY],
      ['sms', 'skipped', null, 'the user does not exist', NOBODY],
    ]);
  });

  it('reports each recorded outcome to onDelivery (notification_deliveries), a failure retried later counted again', async () => {
    const recorder = createMetricRecorder();
    const { notifiers, failures } = recordingNotifiers();
    // The wiring shared/runtime/events.ts needs, with rt.metrics().recorder in place of this recorder.
    const handlers = createNotificationsHandler({
      db: t.db,
      clock,
      ids: createSequentialIds('00000000-0000-4000-e000-'),
      logger: createLogger({ level: 'error', write: () => undefined }),
      notifiers,
      onDelivery: (channel, outcome) => recorder.increment('notification_deliveries', { channel, outcome }),
    });
    failures.sms.push(new Error('Twilio answered HTTP 503; provider error'));
    const rejected = declarationEvent('rejected', { action: 'reject', reason: 'Firma ausente' });
    await expect(deliver(handlers, rejected, 1)).rejects.toThrow('failed on sms');
    clock.advance(60_000);
    await deliver(handlers, rejected, 2);
    await deliver(handlers, rejected, 3); // every channel settled: nothing sent, nothing counted
    await deliver(
      handlers,
      declarationEvent('documents_requested', { ownerId: MARIE, action: 'request_documents', reason: 'Il manque le bilan', kind: 'service_fee' }),
    );

    const family = (await recorder.snapshot()).families.find((f) => f.definition.name === 'notification_deliveries')!;
    expect(Object.fromEntries(family.series.map((s) => [`${s.labels.channel}:${s.labels.outcome}`, s.value]))).toEqual({
      'email:sent': 2,
      'push:sent': 1,
      'sms:failed': 1,
      'sms:sent': 1,
      'push:skipped': 1,
      'sms:skipped': 1,
    });
  });

  it('settles a channel whose recipient the provider refuses, and forgets a dead push token', async () => {
    const { handlers, failures } = setup();
    failures.push.push(
      new RecipientUnreachableError('FCM refused the device token (messaging/registration-token-not-registered); the recipient cannot be reached'),
    );
    const event = declarationEvent('approved');
    await deliver(handlers, event); // no throw: retrying would not help
    expect((await deliveries(event.id)).find((r) => r.channel === 'push')).toMatchObject({
      outcome: 'failed',
      final: true,
      error: expect.stringContaining('registration-token-not-registered'),
    });
    const { rows } = await t.db.query<{ token: string }>('SELECT token FROM device_tokens WHERE user_id = $1', [ANA]);
    expect(rows.map((r) => r.token)).toEqual(['token-ana-old']);
  });
});

describe('notifications on the bus', () => {
  it('retries through the bus and dead-letters the event after the last attempt, never sending a channel twice', async () => {
    const logger = createLogger({ level: 'error', write: () => undefined });
    const { notifiers, sent, failures } = recordingNotifiers();
    failures.sms.push(...Array.from({ length: 3 }, () => new Error('Twilio did not answer within 10000 ms')));
    const dead: DeadLetter[] = [];
    const bus = createInProcessBus({ logger, retryDelayMs: 1, onDeadLetter: async (d) => void dead.push(d) });
    const handlers = createNotificationsHandler({ db: t.db, clock, ids: createSequentialIds('00000000-0000-4000-c000-'), logger, notifiers });
    bus.subscribe({ name: 'notify-declaration-events', topic: 'declaration-events', handler: handlers.declarationEvents, maxDeliveryAttempts: 3 });

    const event = declarationEvent('approved');
    await bus.publish('declaration-events', event);
    await bus.drain();

    expect(dead).toEqual([
      expect.objectContaining({ subscription: 'notify-declaration-events', attempts: 3, error: expect.stringContaining('failed on sms') }),
    ]);
    expect(sent.map((m) => m.channel).sort()).toEqual(['email', 'push']);
    expect((await deliveries(event.id)).map((r) => `${r.attempt}:${r.channel}:${r.outcome}`)).toEqual([
      '1:email:sent',
      '1:push:sent',
      '1:sms:failed',
      '2:sms:failed',
      '3:sms:failed',
    ]);
  });

  it('lands every channel in the outbox table when no provider is configured (the local default)', async () => {
    const logger = createLogger({ level: 'error', write: () => undefined });
    const ids = createSequentialIds('00000000-0000-4000-d000-');
    const notifiers = createChannelNotifiers({}, { db: t.db, clock, ids, logger });
    const handlers = createNotificationsHandler({ db: t.db, clock, ids, logger, notifiers });
    const event = paymentEvent({ ownerId: ANA, amount: 1_250_000 });
    await handlers.paymentApplied(event, { subscription: 'notify-payer', attempt: 1 });
    const { rows } = await t.db.query<{ channel: string; recipient: string; template: string; locale: string; payload: Record<string, unknown> }>(
      "SELECT channel, recipient, template, locale, payload FROM notification_outbox WHERE template = 'payment-received' ORDER BY channel",
    );
    expect(rows).toEqual([
      {
        channel: 'email',
        recipient: 'ana@example.gq',
        template: 'payment-received',
        locale: 'es',
        payload: { fullName: 'Ana Nsue', reference: 'PAY-2026-000007', declarationId: '10000000-0000-4000-8000-000000000042', amount: 1_250_000 },
      },
      expect.objectContaining({ channel: 'push', recipient: 'token-ana-phone' }),
      expect.objectContaining({ channel: 'sms', recipient: '+240222123456' }),
    ]);
  });
});
