/** The wire form of a DomainEvent on Pub/Sub: the whole event as JSON in the data, `ce-*` attributes beside it. */
import type { DomainEvent } from '../../ports/event-bus.port';

/**
 * The data is a structured-mode CloudEvent (JSON with `specversion`), which is what this content
 * type announces to any CloudEvents-aware reader; the `ce-*` attributes repeat the envelope so that
 * subscription filters (`attributes.ce-type = "payment.succeeded"`) and people reading dead letters
 * need not decode the data. The data stays the single source of truth.
 */
export const EVENT_CONTENT_TYPE = 'application/cloudevents+json';

/** Pub/Sub refuses attribute values over 1024 bytes; a long value is left out rather than failing the publish. */
const MAX_ATTRIBUTE_BYTES = 1024;

export interface EventMessage {
  data: Buffer;
  attributes: Record<string, string>;
}

/** Raised for a message whose data is not a DomainEvent: it can never succeed, so consumers ack it. */
export class InvalidEventMessageError extends Error {
  override name = 'InvalidEventMessageError';
}

export function encodeEventMessage(event: DomainEvent): EventMessage {
  const { id, type, source, subject, time, data } = event;
  const json = JSON.stringify({
    specversion: '1.0',
    id,
    type,
    source,
    ...(subject === undefined ? {} : { subject }),
    time,
    datacontenttype: 'application/json',
    data,
  });
  const attributes: Record<string, string> = { 'content-type': EVENT_CONTENT_TYPE, 'ce-specversion': '1.0' };
  for (const [name, value] of [
    ['ce-id', id],
    ['ce-type', type],
    ['ce-source', source],
    ['ce-subject', subject],
    ['ce-time', time],
  ] as const) {
    if (value !== undefined && Buffer.byteLength(value) <= MAX_ATTRIBUTE_BYTES) attributes[name] = value;
  }
  return { data: Buffer.from(json, 'utf8'), attributes };
}

/** Decodes message data (raw bytes, or base64 as push deliveries carry it) back into the DomainEvent. */
export function decodeEventData(data: Buffer | string): DomainEvent {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'base64') : data;
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new InvalidEventMessageError(`expected the message data to be a JSON event, got ${bytes.length} bytes that do not parse as JSON`);
  }
  return toDomainEvent(parsed);
}

function toDomainEvent(value: unknown): DomainEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidEventMessageError(`expected the message data to be a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  const v = value as Record<string, unknown>;
  const problems = (['id', 'type', 'source', 'time'] as const).filter((k) => typeof v[k] !== 'string' || v[k] === '').map((k) => `${k} (a non-empty string)`);
  if (v.subject !== undefined && typeof v.subject !== 'string') problems.push('subject (a string when present)');
  if (!('data' in v)) problems.push('data');
  if (problems.length) throw new InvalidEventMessageError(`the message data is not a DomainEvent: missing or invalid ${problems.join(', ')}`);
  return {
    id: v.id as string,
    type: v.type as string,
    source: v.source as string,
    ...(typeof v.subject === 'string' ? { subject: v.subject } : {}),
    time: v.time as string,
    data: v.data,
  };
}
