/**
 * "An object was written": the DomainEvent consumers see, built from a Cloud Storage notification
 * (Pub/Sub message with payloadFormat JSON_API_V1, eventType OBJECT_FINALIZE) or raised by the local
 * folder storage after a completed upload. Its id is bucket, name and generation, so every delivery
 * of the same upload is the same event and a new upload under the same name is a new one.
 */
import type { DomainEvent } from '../../ports/event-bus.port';
import { OBJECT_FINALIZED_TYPE } from '../../domain/documents/document-processor';
import { InvalidEventMessageError } from '../events/pubsub-message';

export const OBJECT_FINALIZED = OBJECT_FINALIZED_TYPE;

export interface FinalizedObject {
  bucket: string;
  name: string;
  /** Cloud Storage's object generation (microseconds since epoch, as a decimal string). */
  generation: string;
  contentType: string;
  size: number;
  /** When the object was written (RFC 3339). */
  timeCreated: string;
}

export function objectFinalizedEvent(object: FinalizedObject): DomainEvent<FinalizedObject> {
  return {
    id: `${object.bucket}/${object.name}#${object.generation}`,
    type: OBJECT_FINALIZED,
    source: `//storage.googleapis.com/projects/_/buckets/${object.bucket}`,
    subject: `objects/${object.name}`,
    time: object.timeCreated,
    data: object,
  };
}

/** Pub/Sub message attributes and JSON payload, as a Cloud Storage notification publishes them (the deployed shape's stand-in sends the same). */
export function storageNotificationMessage(object: FinalizedObject): { attributes: Record<string, string>; data: Buffer } {
  return {
    attributes: {
      notificationConfig: `projects/_/buckets/${object.bucket}/notificationConfigs/1`,
      eventType: 'OBJECT_FINALIZE',
      payloadFormat: 'JSON_API_V1',
      bucketId: object.bucket,
      objectId: object.name,
      objectGeneration: object.generation,
      eventTime: object.timeCreated,
    },
    data: Buffer.from(
      JSON.stringify({
        kind: 'storage#object',
        bucket: object.bucket,
        name: object.name,
        generation: object.generation,
        contentType: object.contentType,
        size: String(object.size),
        timeCreated: object.timeCreated,
      }),
      'utf8',
    ),
  };
}

/** True for a message Cloud Storage published: its attributes say so, and its data is the object resource, not a DomainEvent. */
export const isStorageNotification = (attributes: Record<string, string>): boolean =>
  attributes.payloadFormat === 'JSON_API_V1' && typeof attributes.eventType === 'string';

/**
 * The event of a Cloud Storage notification. Only OBJECT_FINALIZE is subscribed (terraform: the
 * notification's event_types); anything else, or a malformed payload, can never be handled and is
 * refused as an invalid message, which consumers acknowledge with a log line.
 */
export function eventOfStorageNotification(attributes: Record<string, string>, data: Buffer): DomainEvent<FinalizedObject> {
  if (attributes.eventType !== 'OBJECT_FINALIZE')
    throw new InvalidEventMessageError(`Cloud Storage notification of ${attributes.eventType}: only OBJECT_FINALIZE is handled`);
  let resource: Record<string, unknown>;
  try {
    resource = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new InvalidEventMessageError('the Cloud Storage notification payload is not JSON');
  }
  const bucket = attributes.bucketId ?? resource.bucket;
  const name = attributes.objectId ?? resource.name;
  const generation = attributes.objectGeneration ?? resource.generation;
  if (typeof bucket !== 'string' || typeof name !== 'string' || typeof generation !== 'string') {
    throw new InvalidEventMessageError('the Cloud Storage notification names no bucket, object and generation');
  }
  return objectFinalizedEvent({
    bucket,
    name,
    generation,
    contentType: typeof resource.contentType === 'string' ? resource.contentType : 'application/octet-stream',
    size: Number(resource.size ?? 0),
    timeCreated: typeof resource.timeCreated === 'string' ? resource.timeCreated : (attributes.eventTime ?? new Date(0).toISOString()),
  });
}

/** The bucket name local uploads report (no Cloud Storage bucket exists locally). */
export const LOCAL_BUCKET = 'local';

/** The local storage handler's `onStored`: publishes what Cloud Storage's notification would, to the topic the topology gives it. */
export function raiseFinalized(publish: (event: DomainEvent<FinalizedObject>) => Promise<unknown>, bucket = LOCAL_BUCKET) {
  return async (upload: { objectName: string; contentType: string; size: number; generation: string; storedAt: Date }): Promise<void> => {
    await publish(
      objectFinalizedEvent({
        bucket,
        name: upload.objectName,
        generation: upload.generation,
        contentType: upload.contentType,
        size: upload.size,
        timeCreated: upload.storedAt.toISOString(),
      }),
    );
  };
}
