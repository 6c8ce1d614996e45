/** Pub/Sub deliveries into the port's DomainEvent and Delivery, and event handlers served as CloudEvent functions. */
import { cloudEvent, type CloudEvent, type CloudEventFunction } from '@google-cloud/functions-framework';
import type { Logger } from '../../ports/logger.port';
import { extractTrace } from '../../logging/trace';
import type { Delivery, DomainEvent, EventHandler, Subscription } from '../../ports/event-bus.port';
import { eventOfStorageNotification, isStorageNotification } from '../storage/object-finalized';
import { decodeEventData, InvalidEventMessageError } from './pubsub-message';

/** The CloudEvent type of a Pub/Sub message, from Eventarc and from the framework's push conversion alike. */
export const MESSAGE_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';

export interface PubSubDelivery {
  event: DomainEvent;
  delivery: Delivery;
  messageId?: string;
  /** The Pub/Sub subscription path, when the delivery names it (Eventarc and plain push do; the framework's conversion drops it). */
  pubsubSubscription?: string;
  /** The message's attributes (dead-lettered copies carry CloudPubSubDeadLetterSource*). */
  attributes: Record<string, string>;
}

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const positiveInt = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Reads a push body `{message: {data, attributes, messageId}, subscription, deliveryAttempt}` (the
 * same shape is the `data` of an Eventarc CloudEvent). `subscription` names the concern and is what
 * handlers key their inbox on, rather than Pub/Sub's subscription path, which differs per project and
 * which Eventarc renames when a trigger is recreated. Pub/Sub sends `deliveryAttempt` only when the
 * subscription has a dead-letter policy; without it every delivery counts as the first.
 */
export function parsePushBody(body: unknown, subscription: string): PubSubDelivery {
  if (!isObject(body) || !isObject(body.message)) throw new InvalidEventMessageError('expected a Pub/Sub push body with a `message` object');
  const { message } = body;
  if (typeof message.data !== 'string' || message.data === '') throw new InvalidEventMessageError('the Pub/Sub message has no data');
  const attempt = positiveInt(body.deliveryAttempt) ?? positiveInt(message.deliveryAttempt) ?? 1;
  const messageId = text(message.messageId) ?? text(message.message_id);
  const pubsubSubscription = text(body.subscription);
  const attributes = isObject(message.attributes)
    ? Object.fromEntries(Object.entries(message.attributes).filter((e): e is [string, string] => typeof e[1] === 'string'))
    : {};
  // Cloud Storage's notifications carry the object resource, not a DomainEvent: read them into the event the local storage raises.
  const event = isStorageNotification(attributes) ? eventOfStorageNotification(attributes, Buffer.from(message.data, 'base64')) : decodeEventData(message.data);
  return {
    event,
    delivery: { subscription, attempt },
    attributes,
    ...(messageId ? { messageId } : {}),
    ...(pubsubSubscription ? { pubsubSubscription } : {}),
  };
}

/**
 * Reads the CloudEvent a function receives: from Eventarc, or built by the functions framework from a
 * plain push request (how our Terraform wires it: a path containing `projects/P/topics/T`, a body with
 * `subscription`, `message.data` and `message.messageId`). That conversion keeps only `message`: no
 * `subscription`, no `deliveryAttempt`, so such deliveries all count as the first.
 */
export function parseCloudEvent(ce: CloudEvent<unknown>, subscription: string): PubSubDelivery {
  let data: unknown = ce.data;
  if (typeof data === 'string' || Buffer.isBuffer(data)) {
    try {
      data = JSON.parse(data.toString());
    } catch {
      throw new InvalidEventMessageError(`expected the data of CloudEvent ${ce.type} to be JSON`);
    }
  }
  return parsePushBody(data, subscription);
}

/** The topic id in a Pub/Sub CloudEvent's source, `//pubsub.googleapis.com/projects/P/topics/T`. */
const topicOf = (ce: CloudEvent<unknown>) => /\/topics\/([^/]+)$/.exec(ce.source ?? '')?.[1];

type Route = (ce: CloudEvent<unknown>, parsed: PubSubDelivery) => { subscription: string; handler: EventHandler };

function eventFunction(logger: Logger, route: Route): CloudEventFunction {
  return async (ce) => {
    let parsed: PubSubDelivery;
    try {
      parsed = parseCloudEvent(ce, '');
    } catch (err) {
      if (!(err instanceof InvalidEventMessageError)) throw err;
      // Redelivering it would fail the same way until it is dead-lettered; the log is its record.
      logger.error('event message acknowledged without handling: not a DomainEvent', {
        cloudEventId: ce.id,
        cloudEventType: ce.type,
        source: ce.source,
        reason: err.message,
      });
      return;
    }
    const { subscription, handler } = route(ce, parsed);
    const { event, messageId } = parsed;
    const delivery: Delivery = { ...parsed.delivery, subscription };
    const traceparent = typeof ce.traceparent === 'string' ? ce.traceparent : undefined;
    const log = logger
      .withTrace(extractTrace({ traceparent }))
      .child({ subscription, eventId: event.id, eventType: event.type, attempt: delivery.attempt, messageId });
    try {
      await handler(event, delivery);
    } catch (err) {
      log.warning('event handler failed; Pub/Sub will redeliver', { error: err instanceof Error ? err.message : String(err) });
      throw err;
    }
    log.debug('event handled');
  };
}

/** A CloudEvent function running `handler`: returning acks the message, throwing makes the framework answer 500 so Pub/Sub redelivers. */
export function createEventFunctionHandler(subscription: string, handler: EventHandler, logger: Logger): CloudEventFunction {
  return eventFunction(logger.child({ subscription }), () => ({ subscription, handler }));
}

/**
 * One function serving several subscriptions: the delivery goes to the subscription Pub/Sub names,
 * else to the only one consuming the event's topic. Anything else is a deployment mistake, answered
 * with a failure so the message is retried and dead-lettered rather than lost.
 */
export function createEventFunctionRouter(subscriptions: Subscription[], logger: Logger): CloudEventFunction {
  return eventFunction(logger, (ce, parsed) => {
    const named = parsed.pubsubSubscription?.split('/').pop();
    const topic = topicOf(ce);
    const matches = subscriptions.filter((s) => s.name === named);
    const chosen = matches.length ? matches : subscriptions.filter((s) => s.topic === topic);
    if (chosen.length === 1) return { subscription: chosen[0]!.name, handler: chosen[0]!.handler };
    const served = subscriptions.map((s) => `${s.name} (${s.topic})`).join(', ');
    const why = `${chosen.length ? 'several' : 'none'} of this function's subscriptions [${served}] match topic ${topic ?? '(none: the push path must contain projects/<project>/topics/<topic>)'}`;
    logger.error('event delivered to a function that cannot route it', { eventId: parsed.event.id, source: ce.source, why });
    throw new Error(`cannot route event ${parsed.event.id}: ${why}`);
  });
}

export type EventFunctionBinding =
  /** One concern; `subscription` (the name handlers see) defaults to the function name. */
  | { logger: Logger; handler: EventHandler; subscription?: string }
  /** Several concerns, routed by subscription or topic (see createEventFunctionRouter). */
  | { logger: Logger; subscriptions: Subscription[] };

/**
 * Registers a CloudEvent function with the functions framework, one line per entry file:
 * `registerEventFunction('apply-payment', () => ({ handler: getPaymentConsumers().applyPayment, logger: getRuntime().logger }))`.
 * `bind` runs on each delivery, so the runtime is built on the first event, not at cold start.
 */
export function registerEventFunction(name: string, bind: () => EventFunctionBinding): void {
  // A binding that stays the same object (one per runtime) is wired once, not on every delivery.
  const wired = new WeakMap<EventFunctionBinding, CloudEventFunction>();
  cloudEvent(name, (ce: CloudEvent<unknown>) => {
    const binding = bind();
    let fn = wired.get(binding);
    if (!fn) {
      fn =
        'subscriptions' in binding
          ? createEventFunctionRouter(binding.subscriptions, binding.logger)
          : createEventFunctionHandler(binding.subscription ?? name, binding.handler, binding.logger);
      wired.set(binding, fn);
    }
    return fn(ce);
  });
}

/** Where a dead-lettered message came from, read from the copy Pub/Sub forwards to a dead-letter topic. */
export interface DeadLetteredMessage {
  event: DomainEvent;
  /** The concern's subscription (last segment of CloudPubSubDeadLetterSourceSubscription, else from the dead-letter topic's name). */
  subscription: string | undefined;
  /** The dead-letter topic it arrived on. */
  deadLetterTopic: string | undefined;
  /** CloudPubSubDeadLetterSourceDeliveryCount: the attempts made before it was dead-lettered. */
  attempts: number | undefined;
  messageId: string | undefined;
}

export type DeadLetterSink = (message: DeadLetteredMessage) => Promise<void>;

/**
 * Registers the CloudEvent function that Pub/Sub's dead-letter topics push to: each dead-lettered
 * copy goes to `sink` (which records it); a sink that throws makes Pub/Sub deliver it again.
 */
export function registerDeadLetterFunction(name: string, bind: () => { logger: Logger; sink: DeadLetterSink }): void {
  cloudEvent(name, async (ce: CloudEvent<unknown>) => {
    const { logger, sink } = bind();
    let parsed: PubSubDelivery;
    try {
      parsed = parseCloudEvent(ce, name);
    } catch (err) {
      if (!(err instanceof InvalidEventMessageError)) throw err;
      logger.error('dead-lettered message is not a DomainEvent: acknowledged, kept only in this log', {
        cloudEventId: ce.id,
        source: ce.source,
        reason: err.message,
      });
      return;
    }
    const source = parsed.attributes.CloudPubSubDeadLetterSourceSubscription;
    await sink({
      event: parsed.event,
      subscription: source?.split('/').pop() || undefined,
      deadLetterTopic: topicOf(ce),
      attempts: positiveInt(Number(parsed.attributes.CloudPubSubDeadLetterSourceDeliveryCount)),
      messageId: parsed.messageId,
    });
  });
}
