/** The event-bus contract every adapter passes: fan-out to every subscription, retries, dead letters, refusal when down. */
import { randomUUID } from 'node:crypto';
import type { Delivery, DomainEvent, EventBus, Subscription } from '../../ports/event-bus.port';

export interface DeadLetterSeen {
  subscription: string;
  event: DomainEvent;
  attempts: number;
}

/** One adapter instance under test, fresh for each case so no subscription sees another case's events. */
export interface ContractBus {
  bus: EventBus;
  /** Starts delivering to these subscriptions; resolves once events published from now on will reach them. */
  subscribe(subscriptions: Subscription[]): Promise<void>;
  /** The dead letters received so far (read from the dead-letter sink or topic). */
  deadLetters(): DeadLetterSeen[];
  /** Takes the bus down for good: every later publish must reject. */
  makeUnavailable(): Promise<void>;
  close(): Promise<void>;
}

export interface ContractOptions {
  create(): Promise<ContractBus>;
  /** How long a delivery (or a retry) may take to arrive. */
  deliveryTimeoutMs: number;
  /** How long all attempts and the dead-lettering may take. */
  deadLetterTimeoutMs: number;
  /** The bound within which a publish to an unavailable bus must reject. */
  unavailableRejectMs: number;
}

interface Received {
  event: DomainEvent;
  delivery: Delivery;
}

export async function eventually(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`expected ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function anEvent(data: unknown = { amount: 2000, currency: 'XAF' }): DomainEvent {
  const id = randomUUID();
  return { id, type: 'payment.succeeded', source: '/taxasge/contract', subject: `pay-${id.slice(0, 8)}`, time: new Date().toISOString(), data };
}

function recorder(name: string, topic: Subscription['topic'], behaviour: (call: number) => void = () => undefined, maxDeliveryAttempts?: number) {
  const calls: Received[] = [];
  const succeeded: Received[] = [];
  const subscription: Subscription = {
    name,
    topic,
    ...(maxDeliveryAttempts ? { maxDeliveryAttempts } : {}),
    handler: async (event, delivery) => {
      calls.push({ event, delivery });
      behaviour(calls.length);
      succeeded.push({ event, delivery });
    },
  };
  return { subscription, calls, succeeded };
}

/** Registers the contract as a jest `describe` block; the unavailability case runs last because it takes the bus down. */
export function describeEventBusContract(name: string, options: ContractOptions): void {
  describe(`event bus contract: ${name}`, () => {
    let current: ContractBus | undefined;
    const open = async () => (current = await options.create());
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });

    it('delivers an event to every subscription of its topic, with the same id, type and data', async () => {
      const { bus, subscribe } = await open();
      const apply = recorder('apply-payment', 'payment-events');
      const notify = recorder('notify-payer', 'payment-events');
      const other = recorder('other-topic', 'notifications');
      await subscribe([apply.subscription, notify.subscription, other.subscription]);

      const event = anEvent({ amount: 1_500_000, currency: 'XAF', payer: 'Ñúñez Ébano', lines: [{ code: 'T-001', amount: 2000 }], note: null });
      await bus.publish('payment-events', event);

      await eventually(() => apply.succeeded.length > 0 && notify.succeeded.length > 0, options.deliveryTimeoutMs, 'both subscriptions to receive the event');
      for (const [sub, seen] of [
        ['apply-payment', apply],
        ['notify-payer', notify],
      ] as const) {
        expect(seen.succeeded[0]!.event).toEqual(event);
        expect(seen.succeeded[0]!.delivery).toEqual({ subscription: sub, attempt: 1 });
      }
      expect(other.calls).toEqual([]);
    });

    it('redelivers an event whose handler threw, until the handler succeeds', async () => {
      const { subscribe, bus, deadLetters } = await open();
      const flaky = recorder('flaky', 'payment-events', (call) => {
        if (call === 1) throw new Error('database briefly unavailable');
      });
      await subscribe([flaky.subscription]);
      const event = anEvent();
      await bus.publish('payment-events', event);

      await eventually(() => flaky.succeeded.length > 0, options.deliveryTimeoutMs * 2, 'the second delivery to succeed');
      expect(flaky.calls.length).toBeGreaterThanOrEqual(2);
      expect(flaky.calls.every((c) => c.event.id === event.id)).toBe(true);
      expect(flaky.succeeded[0]!.event).toEqual(event);
      // Attempts never count down. Pub/Sub numbers a push (`deliveryAttempt`, read by pubsub-push.ts) when
      // the subscription has a dead-letter policy; the emulator's push bodies carry no such field, so there each is a first.
      expect(flaky.calls[1]!.delivery.attempt).toBeGreaterThanOrEqual(flaky.calls[0]!.delivery.attempt);
      expect(deadLetters()).toEqual([]);
    });

    it('dead-letters an event after the maximum delivery attempts, leaving the other subscriptions unaffected', async () => {
      const { subscribe, bus, deadLetters } = await open();
      const failing = recorder(
        'always-fails',
        'notifications',
        () => {
          throw new Error('template missing');
        },
        5,
      );
      const healthy = recorder('healthy', 'notifications');
      await subscribe([failing.subscription, healthy.subscription]);
      const event = anEvent({ template: 'payment-received', locale: 'fr' });
      await bus.publish('notifications', event);

      await eventually(() => deadLetters().length > 0, options.deadLetterTimeoutMs, 'the event to be dead-lettered');
      expect(deadLetters()).toEqual([{ subscription: 'always-fails', event, attempts: 5 }]);
      expect(failing.calls).toHaveLength(5);
      expect(healthy.succeeded.map((r) => r.event)).toEqual([event]);
    });

    it('rejects a publish while the bus is unavailable, within a bounded time', async () => {
      const { bus, makeUnavailable } = await open();
      await bus.publish('declaration-events', anEvent());
      await makeUnavailable();

      const started = Date.now();
      await expect(bus.publish('declaration-events', anEvent())).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(options.unavailableRejectMs);
    });
  });
}
