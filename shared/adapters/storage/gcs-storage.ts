/** Object storage on Cloud Storage through firebase-admin: V4 signed URLs; the SDK is loaded on first use, not at cold start. */
import type { App } from 'firebase-admin/app';
import type { getStorage } from 'firebase-admin/storage';
import { systemClock, type Clock } from '../../ports/clock.port';
import { assertDownloadRequest, assertObjectName, assertUploadRequest, type ObjectStorage } from '../../ports/object-storage.port';
import { attachmentDisposition } from './content-disposition';

type Bucket = ReturnType<ReturnType<typeof getStorage>['bucket']>;

export interface GcsStorageOptions {
  bucket: string;
  /**
   * An initialised firebase-admin app. By default the default app, created on first use with
   * Application Default Credentials (on Cloud Run the service account signs through the IAM
   * signBlob API, so it needs roles/iam.serviceAccountTokenCreator on itself).
   */
  app?: App;
  clock?: Clock;
}

export interface GcsStorage extends ObjectStorage {
  readonly kind: 'gcs';
}

/** The default firebase-admin app, created with Application Default Credentials unless something created it already. */
async function defaultApp(): Promise<App> {
  const { getApps, initializeApp } = await import('firebase-admin/app');
  return getApps().find((a) => a.name === '[DEFAULT]') ?? initializeApp();
}

/** Cloud Storage answers 404 for a missing object; the SDK puts the status in `code`. */
const isNotFound = (err: unknown) => typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 404;

export function createGcsStorage({ bucket: bucketName, app, clock = systemClock }: GcsStorageOptions): GcsStorage {
  if (!/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(bucketName)) throw new Error(`createGcsStorage: "${bucketName}" is not a Cloud Storage bucket name`);
  let bucket: Promise<Bucket> | undefined;
  const getBucket = () =>
    (bucket ??= (async () => {
      const { getStorage: storageOf } = await import('firebase-admin/storage');
      return storageOf(app ?? (await defaultApp())).bucket(bucketName);
    })().catch((err: unknown) => {
      // A failed first load (e.g. missing credentials) must not stay cached for the instance's lifetime.
      bucket = undefined;
      throw err;
    }));

  /** Whole seconds, as X-Goog-Date and X-Goog-Expires carry them, so expiresAt is exactly the URL's expiry. */
  const validity = (expiresInSeconds: number) => {
    const accessibleAt = new Date(Math.floor(clock.now().getTime() / 1000) * 1000);
    return { accessibleAt, expires: new Date(accessibleAt.getTime() + expiresInSeconds * 1000) };
  };

  return {
    kind: 'gcs',

    async createUploadUrl(request) {
      assertUploadRequest(request);
      const { objectName, contentType, contentLength } = request;
      const { accessibleAt, expires } = validity(request.expiresInSeconds);
      // Size: the SDK's `contentLengthRange` exists only for POST policy documents, and its V4
      // `extensionHeaders` are documented as x-goog-* headers only, so Content-Length is not signed.
      // Cloud Storage's XML API enforces x-goog-content-length-range on the PUT itself (400 when the
      // body's size is outside MIN,MAX); signed, the client cannot drop or widen it.
      const range = `${contentLength},${contentLength}`;
      // Create-once: generation 0 means "no live object of this name" (XML API x-goog-if-generation-match),
      // so a URL cannot replace a document already uploaded (and perhaps read, scored, reviewed): 412.
      const once = { 'x-goog-content-length-range': range, 'x-goog-if-generation-match': '0' };
      const [url] = await (await getBucket()).file(objectName).getSignedUrl({
        version: 'v4',
        action: 'write',
        accessibleAt,
        expires,
        contentType,
        extensionHeaders: once,
      });
      return { url, method: 'PUT', headers: { 'Content-Type': contentType, ...once }, expiresAt: expires };
    },

    async createDownloadUrl(request) {
      assertDownloadRequest(request);
      const { objectName, downloadName } = request;
      const { accessibleAt, expires } = validity(request.expiresInSeconds);
      const [url] = await (await getBucket()).file(objectName).getSignedUrl({
        version: 'v4',
        action: 'read',
        accessibleAt,
        expires,
        ...(downloadName === undefined ? {} : { responseDisposition: attachmentDisposition(downloadName) }),
      });
      return { url, expiresAt: expires };
    },

    async stat(objectName) {
      assertObjectName(objectName);
      try {
        const [metadata] = await (await getBucket()).file(objectName).getMetadata();
        return { size: Number(metadata.size), contentType: metadata.contentType ?? 'application/octet-stream' };
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },

    async read(objectName) {
      assertObjectName(objectName);
      try {
        const [bytes] = await (await getBucket()).file(objectName).download();
        return bytes;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },

    /** The live version goes; the bucket's lifecycle rule deletes noncurrent versions after 30 days (terraform/modules/stack). */
    async remove(objectName) {
      assertObjectName(objectName);
      try {
        await (await getBucket()).file(objectName).delete();
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },
  };
}
