/** The local server's `/_storage/` endpoint: accepts uploads and serves downloads for URLs the local folder storage signed. */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { AppError } from '../errors/app-error';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem';
import type { Logger } from '../ports/logger.port';
import type { Clock } from '../ports/clock.port';
import { objectNameProblem } from '../ports/object-storage.port';
import { attachmentDisposition } from '../adapters/storage/content-disposition';
import { alreadyUploaded, createLocalFolderStorage, LOCAL_STORAGE_PREFIX, type LocalFolderStorage } from '../adapters/storage/local-folder-storage';

/** A ceiling on any one upload, above the 10 MB document limit, whatever a URL was signed for. */
export const DEFAULT_LOCAL_UPLOAD_MAX_BYTES = 20 * 1024 * 1024;

export type LocalStorageHandlerOptions = ({ storage: LocalFolderStorage } | { root: string; secret: string }) & {
  maxBytes?: number;
  /** Defaults to the storage's clock, so tests move signing and checking together. */
  clock?: Clock;
  /** Unexpected failures are logged here with their stack; they are answered with a generic 500. */
  logger?: Logger;
  /**
   * Called once an upload is complete, before it is answered: what Cloud Storage's object-finalize
   * notification is in production (`raiseFinalized` in object-finalized.ts publishes it). A failure
   * is logged; the upload stays stored, as it would in Cloud Storage.
   */
  onStored?: (object: StoredUpload) => Promise<void>;
};

export interface StoredUpload {
  objectName: string;
  contentType: string;
  size: number;
  /** Increases with every upload, as Cloud Storage's object generation (microseconds). */
  generation: string;
  storedAt: Date;
}

// The signature is the credential and no cookie is involved, so any origin may use a URL it was given.
const CORS_HEADERS = { 'Access-Control-Allow-Origin': '*' };

const DIGITS = /^\d{1,15}$/;

const clientWentAway = (err: unknown) => ['ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE'].includes((err as NodeJS.ErrnoException).code ?? '');

function forbidden(detail: string) {
  return new AppError('forbidden', detail);
}

export function createLocalStorageHandler(options: LocalStorageHandlerOptions): RequestListener {
  const storage =
    'storage' in options ? options.storage : createLocalFolderStorage({ root: options.root, secret: options.secret, baseUrl: 'http://localhost' });
  const clock = options.clock ?? storage.clock;
  const maxBytes = options.maxBytes ?? DEFAULT_LOCAL_UPLOAD_MAX_BYTES;
  let uploads = 0;

  /** Signature first, then expiry, so an altered URL is never reported as merely expired. */
  function checkGrant(valid: boolean, expires: number) {
    if (!valid)
      throw forbidden('The signature does not match this URL: it was altered, or signed for another method or with another secret. Request a new URL.');
    if (clock.now().getTime() >= expires * 1000) throw forbidden(`This URL expired at ${new Date(expires * 1000).toISOString()}. Request a new URL.`);
  }

  function signedQuery(query: URLSearchParams) {
    const expires = query.get('expires') ?? '';
    const signature = query.get('signature');
    if (!DIGITS.test(expires) || !signature) throw forbidden('This URL is not signed: it needs the expires and signature parameters of a URL from the API.');
    return { expires: Number(expires), signature };
  }

  async function upload(req: IncomingMessage, res: ServerResponse, objectName: string, query: URLSearchParams) {
    const { expires, signature } = signedQuery(query);
    const contentType = query.get('contentType') ?? '';
    const length = query.get('length') ?? '';
    const contentLength = DIGITS.test(length) ? Number(length) : -1;
    checkGrant(contentLength >= 0 && storage.signer.verify({ method: 'PUT', objectName, expires, contentType, contentLength }, signature), expires);
    // A spent URL says so first, before a byte is read; writeObject's claim settles two uploads racing past this.
    if (await storage.stat(objectName)) throw alreadyUploaded(objectName);
    if (contentLength > maxBytes)
      throw new AppError('payload_too_large', `Uploads are limited to ${maxBytes} bytes here; this URL was signed for ${contentLength}.`);

    const sentType = (req.headers['content-type'] ?? '').trim().toLowerCase();
    if (sentType !== contentType) {
      throw new AppError(
        'unsupported_media_type',
        `This upload URL accepts only Content-Type ${contentType}; the request sent ${sentType ? sentType : 'none'}.`,
      );
    }
    const declared = req.headers['content-length'];
    if (declared === undefined || !DIGITS.test(declared)) {
      throw new AppError('validation_failed', `A Content-Length header of ${contentLength} is required (chunked uploads are not accepted).`);
    }
    if (Number(declared) > contentLength) {
      // Node discards the unread body after the answer; closing instead would reset the socket under the answer.
      throw new AppError('payload_too_large', `This upload URL accepts exactly ${contentLength} bytes; the request declares ${declared}.`);
    }
    if (Number(declared) < contentLength) {
      throw new AppError('validation_failed', `This upload URL accepts exactly ${contentLength} bytes; the request declares ${declared}.`);
    }
    await storage.writeObject(objectName, contentType, contentLength, req);
    if (options.onStored) {
      const storedAt = clock.now();
      const generation = String(storedAt.getTime() * 1000 + (uploads++ % 1000));
      await options.onStored({ objectName, contentType, size: contentLength, generation, storedAt }).catch((err: unknown) => {
        options.logger?.error(`storage PUT ${objectName}: the finalize event was not raised`, { err });
      });
    }
    res.writeHead(200, { ...CORS_HEADERS, 'Content-Length': '0' });
    res.end();
  }

  async function download(req: IncomingMessage, res: ServerResponse, objectName: string, query: URLSearchParams) {
    const { expires, signature } = signedQuery(query);
    const downloadName = query.get('download') ?? undefined;
    checkGrant(storage.signer.verify({ method: 'GET', objectName, expires, ...(downloadName === undefined ? {} : { downloadName }) }, signature), expires);
    const object = await storage.openObject(objectName);
    if (!object) throw new AppError('not_found', `Nothing has been uploaded as ${objectName}.`);
    res.writeHead(200, {
      ...CORS_HEADERS,
      'Content-Type': object.contentType,
      'Content-Length': String(object.size),
      'Cache-Control': 'private, no-store',
      // Uploaded bytes are served from the API's own origin here: never let a browser sniff them into HTML.
      'X-Content-Type-Options': 'nosniff',
      ...(downloadName === undefined ? {} : { 'Content-Disposition': attachmentDisposition(downloadName) }),
    });
    if (req.method === 'HEAD') {
      object.body.destroy();
      res.end();
      return;
    }
    object.body.on('error', (err) => res.destroy(err));
    object.body.pipe(res);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    // The raw target, not a parsed URL: URL parsing resolves `..`, and a traversal attempt must be refused, not rewritten.
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const rawPath = queryAt === -1 ? target : target.slice(0, queryAt);
    const query = new URLSearchParams(queryAt === -1 ? '' : target.slice(queryAt + 1));
    if (!rawPath.startsWith(LOCAL_STORAGE_PREFIX)) throw new AppError('not_found', `Storage URLs start with ${LOCAL_STORAGE_PREFIX}.`);
    const objectName = rawPath.slice(LOCAL_STORAGE_PREFIX.length);
    const problem = objectNameProblem(objectName);
    if (problem) throw new AppError('validation_failed', `The object name is not valid: ${problem}.`, [{ path: 'objectName', message: problem }]);

    switch (req.method) {
      case 'PUT':
        return upload(req, res, objectName, query);
      case 'GET':
      case 'HEAD':
        return download(req, res, objectName, query);
      case 'OPTIONS':
        res.writeHead(204, {
          ...CORS_HEADERS,
          'Access-Control-Allow-Methods': 'GET, HEAD, PUT',
          'Access-Control-Allow-Headers': 'Content-Type',
          'Access-Control-Max-Age': '600',
        });
        res.end();
        return;
      default:
        throw new AppError('method_not_allowed', `Storage URLs accept PUT (upload) and GET (download), not ${req.method}.`, undefined, {
          allowedMethods: ['GET', 'HEAD', 'PUT', 'OPTIONS'],
        });
    }
  }

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      const instance = (req.url ?? '').split('?')[0];
      const { problem, headers, unexpected } = toProblem(err, instance);
      // A client that went away mid-upload is not a failure of ours (its partial file is already removed).
      if (unexpected && !clientWentAway(err)) options.logger?.error(`storage ${req.method} ${instance} failed`, { err });
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      res.writeHead(problem.status, { ...CORS_HEADERS, ...headers, 'Content-Type': PROBLEM_CONTENT_TYPE });
      res.end(JSON.stringify(problem));
    });
  };
}
