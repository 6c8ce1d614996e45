/**
 * The deployed shape's stand-in for Cloud Storage notifications: after a completed upload through the
 * proxy's /_storage/, publish to the emulator the message Cloud Storage publishes for OBJECT_FINALIZE
 * (JSON_API_V1 payload and attributes) on the topic the topology gives the documents bucket.
 */
import { nodeHttp } from '../../shared/adapters/events/http-transport';
import type { StoredUpload } from '../../shared/http/local-storage-handler';
import { LOCAL_BUCKET, storageNotificationMessage } from '../../shared/adapters/storage/object-finalized';
import { topology } from '../../shared/topology/topology';

export function notifyFinalizedUploads(o: { emulatorHost: string; projectId: string }): (upload: StoredUpload) => Promise<void> {
  const url = `http://${o.emulatorHost}/v1/projects/${o.projectId}/topics/${topology.storageNotifications.documents.topic}:publish`;
  return async (upload) => {
    const { attributes, data } = storageNotificationMessage({
      bucket: LOCAL_BUCKET,
      name: upload.objectName,
      generation: upload.generation,
      contentType: upload.contentType,
      size: upload.size,
      timeCreated: upload.storedAt.toISOString(),
    });
    const body = JSON.stringify({ messages: [{ data: data.toString('base64'), attributes }] });
    const answer = await nodeHttp(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(5000) });
    if (answer.status !== 200) throw new Error(`the emulator refused the storage notification: HTTP ${answer.status} ${answer.text.slice(0, 200)}`);
  };
}
