/**
 * Dead letters, wherever the bus keeps them: the in-process bus hands them over directly; Pub/Sub
 * forwards them to each subscription's dead-letter topic, pushed to the dead-letters function. Both
 * end in the dead_letters table, which the admin lists and replays (shared/domain/payments/replay.service.ts).
 */
import type { Queryable } from '../ports/database.port';
import type { Logger } from '../ports/logger.port';
import type { Clock } from '../ports/clock.port';
import type { DeadLetter, DomainEvent, Topic } from '../ports/event-bus.port';
import type { IdGenerator } from '../ports/ids.port';
import { recordDeadLetter } from './dead-letters.repository';

/** What Pub/Sub's dead-lettered copy tells (see registerDeadLetterFunction). */
export interface ForwardedDeadLetter {
  event: DomainEvent;
  subscription: string | undefined;
  deadLetterTopic: string | undefined;
  attempts: number | undefined;
  messageId: string | undefined;
}

export interface DeadLetterRoutes {
  /** The subscription a dead-letter topic belongs to. */
  subscriptionOf(deadLetterTopic: string): string | undefined;
  /** The topic a subscription consumes (where a replay publishes). */
  topicOf(subscription: string): Topic | undefined;
}

export function createDeadLetterRecorder(deps: {
  db: Queryable;
  ids: IdGenerator;
  clock: Clock;
  logger: Logger;
  routes: DeadLetterRoutes;
  onRecorded?: (subscription: string) => void;
}) {
  const { db, ids, clock, logger, routes } = deps;

  async function record(dead: { subscription: string; topic: string; event: DomainEvent; error: string; attempts: number; messageId?: string }): Promise<void> {
    const isNew = await recordDeadLetter(db, ids, { ...dead, deadAt: clock.now() });
    if (!isNew) return;
    // One line per dead letter, whichever bus: the dead-letters alert and the runbook start from it.
    logger.error('event dead-lettered', {
      subscription: dead.subscription,
      topic: dead.topic,
      eventId: dead.event.id,
      type: dead.event.type,
      attempts: dead.attempts,
      error: dead.error,
    });
    deps.onRecorded?.(dead.subscription);
  }

  return {
    /** From the in-process bus, after its last attempt. */
    fromBus: (dead: DeadLetter & { topic: Topic }) => record(dead),

    /** From a Pub/Sub dead-letter topic. Recorded even when its origin cannot be told, so nothing is dropped. */
    async fromPubSub(m: ForwardedDeadLetter): Promise<void> {
      const subscription = m.subscription ?? (m.deadLetterTopic ? routes.subscriptionOf(m.deadLetterTopic) : undefined);
      const topic = subscription ? routes.topicOf(subscription) : undefined;
      if (!subscription || !topic)
        logger.error('dead letter of an unknown subscription', { eventId: m.event.id, deadLetterTopic: m.deadLetterTopic, subscription: m.subscription });
      const attempts = m.attempts ?? 0;
      await record({
        subscription: subscription ?? 'unknown',
        topic: topic ?? 'unknown',
        event: m.event,
        error: `Pub/Sub gave up after ${attempts || 'its maximum'} delivery attempts; the ${subscription ?? 'consumer'} function's logs say why each failed`,
        attempts,
        ...(m.messageId ? { messageId: m.messageId } : {}),
      });
    },
  };
}

export type DeadLetterRecorder = ReturnType<typeof createDeadLetterRecorder>;
