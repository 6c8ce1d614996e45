/**
 * Storing documents and receipts: clients upload and download the bytes directly, through
 * short-lived signed URLs, so files never pass through a function. Adapters: a local folder
 * served by the local server (default) and Cloud Storage through firebase-admin (production).
 */
import { ValidationError, type FieldError } from '../errors/app-error';

export interface UploadUrlRequest {
  /** Chosen by the caller, e.g. `declarations/<id>/<docId>`; see {@link objectNameProblem}. */
  objectName: string;
  /** Lower-case `type/subtype`, no parameters: the upload must send exactly this Content-Type. */
  contentType: string;
  /** Exact size in bytes: an upload of any other size is refused. */
  contentLength: number;
  expiresInSeconds: number;
}

export interface SignedUpload {
  url: string;
  method: 'PUT';
  /**
   * Headers the client must send exactly as given. Content-Length is not among them (browsers
   * refuse to let scripts set it); it comes from the body, which must be `contentLength` bytes.
   */
  headers: Record<string, string>;
  expiresAt: Date;
}

export interface DownloadUrlRequest {
  objectName: string;
  expiresInSeconds: number;
  /** When set, the download is served as an attachment with this file name. */
  downloadName?: string;
}

export interface SignedDownload {
  url: string;
  expiresAt: Date;
}

export interface StoredObject {
  size: number;
  contentType: string;
}

export interface ObjectStorage {
  readonly kind: 'local' | 'gcs';
  createUploadUrl(request: UploadUrlRequest): Promise<SignedUpload>;
  createDownloadUrl(request: DownloadUrlRequest): Promise<SignedDownload>;
  /** The stored object, or undefined when nothing was uploaded under that name (yet). */
  stat(objectName: string): Promise<StoredObject | undefined>;
  /** The object's bytes, or undefined when there is none; for server-side checks of documents (at most 10 MB). */
  read(objectName: string): Promise<Buffer | undefined>;
  /** Deletes the object; false when there was none. Idempotent (retention and erasure retry it). */
  remove(objectName: string): Promise<boolean>;
}

/** Cloud Storage's limit for V4 signed URLs; the local adapter keeps the same one. */
export const MAX_SIGNED_URL_SECONDS = 7 * 24 * 60 * 60;

const MAX_OBJECT_NAME_LENGTH = 1024;
// Each segment starts with a letter, digit or underscore: no `.`/`..` segments, no hidden files,
// and names that need no URL encoding, so signed paths are the same bytes everywhere.
const OBJECT_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;
const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/;
// Control characters would break signed strings and response headers.
const CONTROL_CHARACTERS = /\p{Cc}/u;

/** Why a name is refused, or undefined when it is acceptable. */
export function objectNameProblem(name: string): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'expected a non-empty object name';
  if (name.length > MAX_OBJECT_NAME_LENGTH) return `expected at most ${MAX_OBJECT_NAME_LENGTH} characters, got ${name.length}`;
  if (name.startsWith('/')) return `expected a relative name without a leading "/", got "${name}"`;
  if (name.split('/').includes('..')) return `expected no ".." segment, got "${name}"`;
  if (!OBJECT_NAME.test(name)) {
    return `expected "/"-separated segments of letters, digits, ".", "_" and "-", each starting with a letter, digit or "_", got "${name}"`;
  }
  return undefined;
}

function expiryProblem(seconds: number): string | undefined {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_SIGNED_URL_SECONDS) {
    return `expected a whole number of seconds between 1 and ${MAX_SIGNED_URL_SECONDS}, got ${seconds}`;
  }
  return undefined;
}

function refuseIfAny(what: string, checks: [string, string | undefined][]): void {
  const errors: FieldError[] = checks.flatMap(([path, message]) => (message ? [{ path, message }] : []));
  if (errors.length) throw new ValidationError(`The ${what} is not valid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors);
}

/** Throws ValidationError naming every problem; adapters call it before signing anything. */
export function assertUploadRequest(request: UploadUrlRequest): void {
  const { objectName, contentType, contentLength, expiresInSeconds } = request;
  refuseIfAny('upload URL request', [
    ['objectName', objectNameProblem(objectName)],
    [
      'contentType',
      typeof contentType === 'string' && CONTENT_TYPE.test(contentType)
        ? undefined
        : `expected a lower-case type/subtype such as application/pdf, got "${contentType}"`,
    ],
    ['contentLength', Number.isSafeInteger(contentLength) && contentLength >= 0 ? undefined : `expected a whole number of bytes, got ${contentLength}`],
    ['expiresInSeconds', expiryProblem(expiresInSeconds)],
  ]);
}

export function assertDownloadRequest(request: DownloadUrlRequest): void {
  const { objectName, expiresInSeconds, downloadName } = request;
  const nameProblem =
    downloadName === undefined ||
    (typeof downloadName === 'string' && downloadName.length > 0 && downloadName.length <= 255 && !CONTROL_CHARACTERS.test(downloadName))
      ? undefined
      : 'expected 1 to 255 characters without control characters';
  refuseIfAny('download URL request', [
    ['objectName', objectNameProblem(objectName)],
    ['expiresInSeconds', expiryProblem(expiresInSeconds)],
    ['downloadName', nameProblem],
  ]);
}

export function assertObjectName(objectName: string): void {
  refuseIfAny('object name', [['objectName', objectNameProblem(objectName)]]);
}
