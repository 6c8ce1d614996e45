/** Chooses the object storage adapter from configuration: Cloud Storage when a bucket is set, else the local folder. */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Clock } from '../../ports/clock.port';
import { createGcsStorage, type GcsStorage } from './gcs-storage';
import { createLocalFolderStorage, type LocalFolderStorage } from './local-folder-storage';

export interface ObjectStorageSettings {
  /** STORAGE_BUCKET: set = Cloud Storage through firebase-admin. */
  bucket: string | undefined;
  /** DATA_DIR: the local folder is `<dataDir>/storage`. */
  dataDir: string;
  /** PUBLIC_BASE_URL: where clients reach the local server, which serves the local URLs. */
  publicBaseUrl: string;
  /**
   * Key of the local URLs' signatures, shared with the local server's `/_storage/` handler
   * (`npm start` keeps one in DATA_DIR). Unset: a random key for this process, which only a
   * handler built from this same instance accepts (tests).
   */
  localSecret?: string;
  clock?: Clock;
}

export const localStorageRoot = (dataDir: string) => path.join(dataDir, 'storage');

/** `kind` tells them apart: `if (storage.kind === 'local') createLocalStorageHandler({ storage })`. */
export function createObjectStorage(settings: ObjectStorageSettings): LocalFolderStorage | GcsStorage {
  const clock = settings.clock ? { clock: settings.clock } : {};
  if (settings.bucket) return createGcsStorage({ bucket: settings.bucket, ...clock });
  return createLocalFolderStorage({
    root: localStorageRoot(settings.dataDir),
    baseUrl: settings.publicBaseUrl,
    secret: settings.localSecret ?? randomBytes(32).toString('base64url'),
    ...clock,
  });
}
