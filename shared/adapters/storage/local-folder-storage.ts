/** Local default for object storage: files under a folder, moved through the local server's signed `/_storage/` URLs. */
import { randomUUID } from 'node:crypto';
// fs.promises is read where used: loading node:fs/promises at start compiles readline too (~20 ms of a cold start).
import { createWriteStream, promises as fsp, type ReadStream } from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../errors/app-error';
import { systemClock, type Clock } from '../../ports/clock.port';
import { assertDownloadRequest, assertObjectName, assertUploadRequest, type ObjectStorage, type StoredObject } from '../../ports/object-storage.port';
import { createGrantSigner, type GrantSigner } from './local-storage-signature';

/** The answer to a PUT on a name that already holds an object (Cloud Storage answers 412 too). */
export function alreadyUploaded(objectName: string): AppError {
  return new AppError(
    'already_uploaded',
    `Something was already uploaded as ${objectName}, and an upload is never replaced. Request a new upload URL to add another document.`,
  );
}

/** The path prefix the local server routes to the storage handler. */
export const LOCAL_STORAGE_PREFIX = '/_storage/';

export interface LocalFolderStorageOptions {
  /** `<DATA_DIR>/storage`: objects live at `<root>/<objectName>`. */
  root: string;
  /** Where the local server is reached, e.g. `http://localhost:8080`; URLs are built on it. */
  baseUrl: string;
  /** HMAC key shared with the handler that verifies the URLs (see scripts/local/local-storage-secret.ts). */
  secret: string;
  clock?: Clock;
}

export interface OpenedObject extends StoredObject {
  body: ReadStream;
}

export interface LocalFolderStorage extends ObjectStorage {
  readonly kind: 'local';
  readonly root: string;
  readonly signer: GrantSigner;
  readonly clock: Clock;
  /** Streams `body` to a temporary file and moves it into place only once exactly `contentLength` bytes arrived. */
  writeObject(objectName: string, contentType: string, contentLength: number, body: Readable): Promise<void>;
  openObject(objectName: string): Promise<OpenedObject | undefined>;
}

interface ObjectMeta {
  contentType: string;
}

// Segments of object names never start with ".", so these folders cannot collide with an object.
const META_DIR = '.meta';
const TEMP_DIR = '.tmp';

/** Refuses the bytes past `limit` as they arrive, so an oversized body never fills the disk. */
function byteLimit(limit: number) {
  let received = 0;
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      if (received > limit) callback(new AppError('payload_too_large', `This upload URL accepts exactly ${limit} bytes; more arrived.`));
      else callback(null, chunk);
    },
  });
  return { transform, received: () => received };
}

const isNotFound = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR';

export function createLocalFolderStorage({ root, baseUrl, secret, clock = systemClock }: LocalFolderStorageOptions): LocalFolderStorage {
  const signer = createGrantSigner(secret);
  const base = baseUrl.replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+$/.test(base))
    throw new Error(`createLocalFolderStorage: baseUrl must be an http(s) origin such as http://localhost:8080, got "${baseUrl}"`);
  const objectPath = (name: string) => path.join(root, ...name.split('/'));
  const metaPath = (name: string) => `${path.join(root, META_DIR, ...name.split('/'))}.json`;
  // Expiry in whole seconds, as in the URL, so expiresAt is exactly when the handler starts refusing.
  const expiry = (seconds: number) => Math.floor(clock.now().getTime() / 1000) + seconds;

  /** A file system cannot hold both `a` and `a/b`; Cloud Storage can, but callers never need it. */
  async function refuseClashes<T>(objectName: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR' || code === 'EEXIST' || code === 'EISDIR') {
        throw new AppError(
          'object_name_clash',
          `The object name "${objectName}" clashes with an existing object that is a prefix of it, or that it is a prefix of.`,
        );
      }
      throw err;
    }
  }

  /**
   * Create-once, as Cloud Storage's `x-goog-if-generation-match: 0`: link() never replaces, so of two
   * uploads to one name only the first lands, and nothing replaces a document once uploaded.
   */
  async function claim(metaTemp: string, objectName: string): Promise<void> {
    try {
      await fsp.link(metaTemp, metaPath(objectName));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw alreadyUploaded(objectName);
      throw err;
    }
  }

  async function stored(objectName: string): Promise<StoredObject | undefined> {
    let size: number;
    try {
      const info = await fsp.stat(objectPath(objectName));
      if (!info.isFile()) return undefined;
      size = info.size;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    return { size, contentType: await contentTypeOf(objectName) };
  }

  /** Missing or unreadable metadata (a file copied in by hand) is served as bytes rather than failing. */
  async function contentTypeOf(objectName: string): Promise<string> {
    try {
      const meta = JSON.parse(await fsp.readFile(metaPath(objectName), 'utf8')) as Partial<ObjectMeta>;
      if (typeof meta.contentType === 'string') return meta.contentType;
    } catch {
      // fall through to the default
    }
    return 'application/octet-stream';
  }

  return {
    kind: 'local',
    root,
    signer,
    clock,

    async createUploadUrl(request) {
      assertUploadRequest(request);
      const { objectName, contentType, contentLength } = request;
      const expires = expiry(request.expiresInSeconds);
      const signature = signer.sign({ method: 'PUT', objectName, expires, contentType, contentLength });
      const query = new URLSearchParams({ expires: String(expires), contentType, length: String(contentLength), signature });
      return {
        url: `${base}${LOCAL_STORAGE_PREFIX}${objectName}?${query}`,
        method: 'PUT',
        headers: { 'Content-Type': contentType },
        expiresAt: new Date(expires * 1000),
      };
    },

    async createDownloadUrl(request) {
      assertDownloadRequest(request);
      const { objectName, downloadName } = request;
      const expires = expiry(request.expiresInSeconds);
      const signature = signer.sign({ method: 'GET', objectName, expires, ...(downloadName === undefined ? {} : { downloadName }) });
      const query = new URLSearchParams({ expires: String(expires), ...(downloadName === undefined ? {} : { download: downloadName }), signature });
      return { url: `${base}${LOCAL_STORAGE_PREFIX}${objectName}?${query}`, expiresAt: new Date(expires * 1000) };
    },

    async stat(objectName) {
      assertObjectName(objectName);
      return stored(objectName);
    },

    async remove(objectName) {
      assertObjectName(objectName);
      const existed = (await stored(objectName)) !== undefined;
      await fsp.rm(objectPath(objectName), { force: true });
      await fsp.rm(metaPath(objectName), { force: true });
      return existed;
    },

    async read(objectName) {
      assertObjectName(objectName);
      try {
        return await fsp.readFile(objectPath(objectName));
      } catch (err) {
        if (isNotFound(err) || (err as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
        throw err;
      }
    },

    async writeObject(objectName, contentType, contentLength, body) {
      assertObjectName(objectName);
      const tempDir = path.join(root, TEMP_DIR);
      await fsp.mkdir(tempDir, { recursive: true });
      const temp = path.join(tempDir, randomUUID());
      const limit = byteLimit(contentLength);
      try {
        await pipeline(body, limit.transform, createWriteStream(temp, { flags: 'wx', mode: 0o600 }));
        if (limit.received() !== contentLength) {
          throw new AppError('validation_failed', `This upload URL accepts exactly ${contentLength} bytes; ${limit.received()} arrived.`);
        }
        const metaTemp = `${temp}.json`;
        await fsp.writeFile(metaTemp, JSON.stringify({ contentType } satisfies ObjectMeta), { mode: 0o600 });
        // Both folders before either move, so a clash leaves nothing behind; metadata first, so an
        // object only becomes visible complete and with its content type.
        await refuseClashes(objectName, async () => {
          await fsp.mkdir(path.dirname(objectPath(objectName)), { recursive: true });
          await fsp.mkdir(path.dirname(metaPath(objectName)), { recursive: true });
          await claim(metaTemp, objectName);
          await fsp.rename(temp, objectPath(objectName));
        });
      } finally {
        await fsp.rm(temp, { force: true });
        await fsp.rm(`${temp}.json`, { force: true });
      }
    },

    async openObject(objectName) {
      assertObjectName(objectName);
      // Size from the opened file, so Content-Length matches the bytes even if the object is replaced meanwhile.
      let handle;
      try {
        handle = await fsp.open(objectPath(objectName), 'r');
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
      const info = await handle.stat();
      if (!info.isFile()) {
        await handle.close();
        return undefined;
      }
      return { size: info.size, contentType: await contentTypeOf(objectName), body: handle.createReadStream() };
    },
  };
}
