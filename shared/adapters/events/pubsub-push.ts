/** Pub/Sub deliveries into the port's DomainEvent and Delivery, and event handlers served as functions Pub/Sub pushes to. */
import { http, type Request, type Response } from '@google-cloud/functions-framework';
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
  /** The Pub/Sub subscription path, when the delivery names it (Eventarc and plain push do). */
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
 * A delivery request, whichever form it came in: an Eventarc CloudEvent (binary mode: `ce-*` headers
 * and the push body as the request body; structured: `application/cloudevents+json` with the push
 * body as `data`), or a plain Pub/Sub push (how our Terraform and the emulator wire it: the push body
 * itself, to a path containing `projects/P/topics/T`). Event functions read the request themselves
 * rather than through the functions framework's CloudEvent signature: its conversion of a plain push
 * keeps only `message`, losing `deliveryAttempt` and `subscription`.
 */
export interface PushRequest {
  /** CloudEvent id, else the Pub/Sub message id. */
  id: string | undefined;
  /** `//pubsub.googleapis.com/projects/P/topics/T` when known. */
  source: string | undefined;
  traceparent: string | undefined;
  /** The push body `{message, subscription, deliveryAttempt}` (or whatever was sent instead). */
  body: unknown;
}

const header = (req: Request, name: string) => text(req.headers[name]);
const jsonOf = (data: unknown): unknown => {
  if (typeof data !== 'string' && !Buffer.isBuffer(data)) return data;
  try {
    return JSON.parse(data.toString()) as unknown;
  } catch {
    throw new InvalidEventMessageError('expected the delivery body to be JSON');
  }
};

export function readPushRequest(req: Request): PushRequest {
  const traceparent = header(req, 'traceparent') ?? header(req, 'ce-traceparent');
  if (header(req, 'ce-specversion')) return { id: header(req, 'ce-id'), source: header(req, 'ce-source'), traceparent, body: req.body as unknown };
  const body = req.body as unknown;
  if (isObject(body) && typeof body.specversion === 'string')
    return { id: text(body.id), source: text(body.source), traceparent: text(body.traceparent) ?? traceparent, body: body.data };
  const topicPath = /projects\/[^/]+\/topics\/[^/?]+/.exec(req.path)?.[0];
  const message = isObject(body) && isObject(body.message) ? body.message : {};
  return {
    id: text(message.messageId) ?? text(message.message_id),
    source: topicPath ? `//pubsub.googleapis.com/${topicPath}` : undefined,
    traceparent,
    body,
  };
}

/** The topic id in a Pub/Sub source, `//pubsub.googleapis.com/projects/P/topics/T`. */
const topicOf = (pushed: PushRequest) => /\/topics\/([^/]+)$/.exec(pushed.source ?? '')?.[1];

type Handled = (pushed: PushRequest) => Promise<void>;

/** Errors already logged with their event, rethrown only to answer 500. */
const logged = new WeakSet<object>();
function rethrowLogged(err: unknown): never {
  if (typeof err === 'object' && err !== null) logged.add(err);
  throw err;
}

/** Acknowledges (204) once `handle` returned; a throw answers 500, so that Pub/Sub delivers it again. */
function pushFunction(handle: Handled) {
  return async (req: Request, res: Response) => {
    try {
      await handle(readPushRequest(req));
      res.status(204).end();
    } catch (err) {
      // A failure before any handler could log it (the runtime could not be built, say) must not pass unseen.
      if (!(typeof err === 'object' && err !== null && logged.has(err)))
        process.stderr.write(
          `${JSON.stringify({ severity: 'ERROR', message: 'event delivery failed before its handler ran', error: err instanceof Error ? err.message : String(err) })}\n`,
        );
      if (!res.headersSent) res.status(500).end();
    }
  };
}

type Route = (pushed: PushRequest, parsed: PubSubDelivery) => { subscription: string; handler: EventHandler };

/** Parses a push and reads it, logging what it cannot: undefined for a message no redelivery could ever handle. */
function parseOrLog(pushed: PushRequest, subscription: string, logger: Logger, what: string): PubSubDelivery | undefined {
  try {
    return parsePushBody(jsonOf(pushed.body), subscription);
  } catch (err) {
    if (!(err instanceof InvalidEventMessageError)) throw err;
    // Redelivering it would fail the same way until it is dead-lettered; the log is its record.
    logger.error(what, { cloudEventId: pushed.id, source: pushed.source, reason: err.message });
    return undefined;
  }
}

function eventFunction(logger: Logger, route: Route): Handled {
  return async (pushed) => {
    const parsed = parseOrLog(pushed, '', logger, 'event message acknowledged without handling: not a DomainEvent');
    if (!parsed) return;
    const { subscription, handler } = route(pushed, parsed);
    const { event, messageId } = parsed;
    const delivery: Delivery = { ...parsed.delivery, subscription };
    const log = logger
      .withTrace(extractTrace({ traceparent: pushed.traceparent }))
      .child({ subscription, eventId: event.id, eventType: event.type, attempt: delivery.attempt, messageId });
    try {
      await handler(event, delivery);
    } catch (err) {
      log.warning('event handler failed; Pub/Sub will redeliver', { error: err instanceof Error ? err.message : String(err) });
      rethrowLogged(err);
    }
    log.debug('event handled');
  };
}

/** Runs `handler` on a delivery: returning acks the message, throwing answers 500 so Pub/Sub redelivers. */
export function createEventFunctionHandler(subscription: string, handler: EventHandler, logger: Logger): Handled {
  return eventFunction(logger.child({ subscription }), () => ({ subscription, handler }));
}

/**
 * One function serving several subscriptions: the delivery goes to the subscription Pub/Sub names,
 * else to the only one consuming the event's topic. Anything else is a deployment mistake, answered
 * with a failure so the message is retried and dead-lettered rather than lost.
 */
export function createEventFunctionRouter(subscriptions: Subscription[], logger: Logger): Handled {
  return eventFunction(logger, (pushed, parsed) => {
    const named = parsed.pubsubSubscription?.split('/').pop();
    const topic = topicOf(pushed);
    const matches = subscriptions.filter((s) => s.name === named);
    const chosen = matches.length ? matches : subscriptions.filter((s) => s.topic === topic);
    if (chosen.length === 1) return { subscription: chosen[0]!.name, handler: chosen[0]!.handler };
    const served = subscriptions.map((s) => `${s.name} (${s.topic})`).join(', ');
    const why = `${chosen.length ? 'several' : 'none'} of this function's subscriptions [${served}] match topic ${topic ?? '(none: the push path must contain projects/<project>/topics/<topic>)'}`;
    logger.error('event delivered to a function that cannot route it', { eventId: parsed.event.id, source: pushed.source, why });
    return rethrowLogged(new Error(`cannot route event ${parsed.event.id}: ${why}`));
  });
}

export type EventFunctionBinding =
  /** One concern; `subscription` (the name handlers see) defaults to the function name. */
  | { logger: Logger; handler: EventHandler; subscription?: string }
  /** Several concerns, routed by subscription or topic (see createEventFunctionRouter). */
  | { logger: Logger; subscriptions: Subscription[] };

/**
 * Registers an event function with the functions framework, one line per entry file:
 * `registerEventFunction('apply-payment', () => ({ handler: getPaymentConsumers().applyPayment, logger: getRuntime().logger }))`.
 * `bind` runs on each delivery, so the runtime is built on the first event, not at cold start.
 */
export function registerEventFunction(name: string, bind: () => EventFunctionBinding): void {
  // A binding that stays the same object (one per runtime) is wired once, not on every delivery.
  const wired = new WeakMap<EventFunctionBinding, Handled>();
  http(
    name,
    pushFunction((pushed) => {
      const binding = bind();
      let fn = wired.get(binding);
      if (!fn) {
        fn =
          'subscriptions' in binding
            ? createEventFunctionRouter(binding.subscriptions, binding.logger)
            : createEventFunctionHandler(binding.subscription ?? name, binding.handler, binding.logger);
        wired.set(binding, fn);
      }
      return fn(pushed);
    }),
  );
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
 * Registers the function that Pub/Sub's dead-letter topics push to: each dead-lettered copy goes to
 * `sink` (which records it); a sink that throws makes Pub/Sub deliver it again.
 */
export function registerDeadLetterFunction(name: string, bind: () => { logger: Logger; sink: DeadLetterSink }): void {
  http(
    name,
    pushFunction(async (pushed) => {
      const { logger, sink } = bind();
      const parsed = parseOrLog(pushed, name, logger, 'dead-lettered message is not a DomainEvent: acknowledged, kept only in this log');
      if (!parsed) return;
      const source = parsed.attributes.CloudPubSubDeadLetterSourceSubscription;
      try {
        await sink({
          event: parsed.event,
          subscription: source?.split('/').pop() || undefined,
          deadLetterTopic: topicOf(pushed),
          attempts: positiveInt(Number(parsed.attributes.CloudPubSubDeadLetterSourceDeliveryCount)),
          messageId: parsed.messageId,
        });
      } catch (err) {
        logger.error('dead-lettered message not recorded; Pub/Sub will deliver it again', {
          eventId: parsed.event.id,
          error: err instanceof Error ? err.message : String(err),
        });
        rethrowLogged(err);
      }
    }),
  );
}
