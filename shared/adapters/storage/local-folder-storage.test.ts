// The local folder storage end to end: URLs it signs, used against its handler mounted on the real local server.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createLocalServer } from '../../../scripts/local/local-server';
import { ValidationError } from '../../errors/app-error';
import { createFixedClock } from '../../ports/clock.port';
import { MAX_SIGNED_URL_SECONDS } from '../../ports/object-storage.port';
import { createLocalFolderStorage, LOCAL_STORAGE_PREFIX, type LocalFolderStorage } from './local-folder-storage';
import { createLocalStorageHandler } from '../../http/local-storage-handler';

const SECRET = 'a'.repeat(43);
const PDF = Buffer.from('%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n');

let root: string;
let server: Server;
let base: string;
let clock: ReturnType<typeof createFixedClock>;
let storage: LocalFolderStorage;
let loggedErrors: string[];

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'taxasge-storage-'));
  clock = createFixedClock();
  const logger = { error: (message: string) => loggedErrors.push(message) } as unknown as import('../../ports/logger.port').Logger;
  server = createLocalServer([], new Map(), [
    {
      prefix: LOCAL_STORAGE_PREFIX,
      // One storage instance signs and the handler verifies, as `npm start` wires them; 64 bytes at most.
      handler: createLocalStorageHandler({
        storage: createLocalFolderStorage({ root, baseUrl: 'http://localhost', secret: SECRET, clock }),
        maxBytes: 64,
        logger,
      }),
    },
  ]);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  storage = createLocalFolderStorage({ root, baseUrl: base, secret: SECRET, clock });
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  clock.set('2026-01-15T09:00:00.000Z');
  loggedErrors = [];
});

afterEach(() => expect(loggedErrors).toEqual([]));

let counter = 0;
const uniqueName = () => `declarations/d-${++counter}/doc-1`;

async function uploadUrl(objectName: string, contentLength = PDF.length, contentType = 'application/pdf') {
  return storage.createUploadUrl({ objectName, contentType, contentLength, expiresInSeconds: 900 });
}

async function put(url: string, body: Buffer, headers: Record<string, string>) {
  return fetch(url, { method: 'PUT', body: new Uint8Array(body), headers });
}

async function problemOf(response: Response) {
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  return (await response.json()) as { status: number; code: string; detail: string; instance?: string };
}

/** Sends a request target exactly as written: fetch and URL would resolve `..` before sending. */
function rawRequest(method: string, target: string, body?: Buffer) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${base}/`, { method, path: target }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const tempFiles = () => {
  try {
    return readdirSync(path.join(root, '.tmp'));
  } catch {
    return [];
  }
};

describe('upload and download', () => {
  it('accepts an upload through its signed URL, after which stat sees the object', async () => {
    const objectName = uniqueName();
    const upload = await uploadUrl(objectName);
    expect(upload).toMatchObject({ method: 'PUT', headers: { 'Content-Type': 'application/pdf' }, expiresAt: new Date('2026-01-15T09:15:00.000Z') });
    expect(upload.url.startsWith(`${base}/_storage/${objectName}?`)).toBe(true);
    expect(await storage.stat(objectName)).toBeUndefined();

    const response = await put(upload.url, PDF, upload.headers);
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(await storage.stat(objectName)).toEqual({ size: PDF.length, contentType: 'application/pdf' });
    expect(readFileSync(path.join(root, objectName))).toEqual(PDF);
    expect(tempFiles()).toEqual([]);
  });

  it('serves a download URL with the stored bytes, content type and file name', async () => {
    const objectName = uniqueName();
    const upload = await uploadUrl(objectName);
    await put(upload.url, PDF, upload.headers);

    const download = await storage.createDownloadUrl({ objectName, expiresInSeconds: 60, downloadName: 'Recibo nº 7 "final".pdf' });
    expect(download.expiresAt).toEqual(new Date('2026-01-15T09:01:00.000Z'));
    const response = await fetch(download.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="Recibo no 7 final.pdf"; filename*=UTF-8''Recibo%20n%C2%BA%207%20%22final%22.pdf`,
    );
    expect(Buffer.from(await response.arrayBuffer())).toEqual(PDF);

    const inline = await fetch((await storage.createDownloadUrl({ objectName, expiresInSeconds: 60 })).url, { method: 'HEAD' });
    expect(inline.status).toBe(200);
    expect(inline.headers.get('content-length')).toBe(String(PDF.length));
    expect(inline.headers.get('content-disposition')).toBeNull();
  });

  it('never replaces an upload: the same URL or a new one for the name answers 412, and the first bytes stay', async () => {
    const objectName = uniqueName();
    const first = await uploadUrl(objectName);
    expect((await put(first.url, PDF, { 'Content-Type': 'application/pdf' })).status).toBe(200);
    const again = await put(first.url, PDF, { 'Content-Type': 'application/pdf' });
    expect(again.status).toBe(412);
    expect(await problemOf(again)).toMatchObject({ code: 'already_uploaded', detail: expect.stringContaining('Request a new upload URL') });
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    expect((await put((await uploadUrl(objectName, png.length, 'image/png')).url, png, { 'Content-Type': 'image/png' })).status).toBe(412);
    expect(await storage.stat(objectName)).toEqual({ size: PDF.length, contentType: 'application/pdf' });
    expect(await storage.read(objectName)).toEqual(PDF);
  });

  it('lets exactly one of two uploads racing to one name land, whole', async () => {
    const objectName = uniqueName();
    const url = (await uploadUrl(objectName)).url;
    const other = Buffer.from(PDF.toString('latin1').replace('1.7', '1.4'), 'latin1');
    // Both pass the handler's early check before either lands (checked at the storage, which the handler calls).
    const results = await Promise.allSettled([
      storage.writeObject(objectName, 'application/pdf', PDF.length, Readable.from([PDF])),
      storage.writeObject(objectName, 'application/pdf', other.length, Readable.from([other])),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'already_uploaded' } });
    const stored = await storage.read(objectName);
    expect([PDF, other]).toContainEqual(stored);
    expect((await put(url, PDF, { 'Content-Type': 'application/pdf' })).status).toBe(412);
    expect(readdirSync(path.join(root, '.tmp'))).toEqual([]);
  });

  it('answers 404 for a download of an object never uploaded', async () => {
    const objectName = uniqueName();
    const response = await fetch((await storage.createDownloadUrl({ objectName, expiresInSeconds: 60 })).url);
    expect(response.status).toBe(404);
    expect(await problemOf(response)).toMatchObject({ code: 'not_found', instance: `/_storage/${objectName}` });
  });

  it('answers CORS preflights, since browsers upload from another origin', async () => {
    const response = await fetch(`${base}/_storage/x`, { method: 'OPTIONS' });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, HEAD, PUT');
    expect(response.headers.get('access-control-allow-headers')).toBe('Content-Type');
  });

  it('refuses other methods with 405 and an Allow header', async () => {
    const response = await fetch(`${base}/_storage/x`, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, PUT, OPTIONS');
  });
});

describe('signatures and expiry', () => {
  it('refuses a tampered signature with 403, and writes nothing', async () => {
    const objectName = uniqueName();
    const url = new URL((await uploadUrl(objectName)).url);
    const signature = url.searchParams.get('signature')!;
    url.searchParams.set('signature', (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1));
    const response = await put(url.href, PDF, { 'Content-Type': 'application/pdf' });
    expect(response.status).toBe(403);
    expect(await problemOf(response)).toMatchObject({ code: 'forbidden', detail: expect.stringContaining('signature does not match') });
    expect(await storage.stat(objectName)).toBeUndefined();
  });

  it.each([
    ['a signed field changed', (u: URL) => u.searchParams.set('length', '50')],
    ['the expiry pushed back', (u: URL) => u.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 3600))],
    ['another object name', (u: URL) => (u.pathname = '/_storage/declarations/someone-else/doc-1')],
    ['the signature removed', (u: URL) => u.searchParams.delete('signature')],
    ['a signature with stray characters appended', (u: URL) => u.searchParams.set('signature', `${u.searchParams.get('signature')}!`)],
  ])('refuses an upload URL with %s (403)', async (_label, alter) => {
    const url = new URL((await uploadUrl(uniqueName(), 5)).url);
    alter(url);
    expect((await put(url.href, Buffer.from('12345'), { 'Content-Type': 'application/pdf' })).status).toBe(403);
  });

  it('does not accept a download URL for an upload', async () => {
    const objectName = uniqueName();
    const download = new URL((await storage.createDownloadUrl({ objectName, expiresInSeconds: 60 })).url);
    download.searchParams.set('contentType', 'application/pdf');
    download.searchParams.set('length', String(PDF.length));
    expect((await put(download.href, PDF, { 'Content-Type': 'application/pdf' })).status).toBe(403);
  });

  it('refuses a URL signed with another secret', async () => {
    const other = createLocalFolderStorage({ root, baseUrl: base, secret: 'b'.repeat(43), clock });
    const upload = await other.createUploadUrl({ objectName: uniqueName(), contentType: 'application/pdf', contentLength: PDF.length, expiresInSeconds: 60 });
    expect((await put(upload.url, PDF, upload.headers)).status).toBe(403);
  });

  it('accepts an upload until the expiry and refuses it from the expiry on (403)', async () => {
    const upload = await uploadUrl(uniqueName());
    clock.advance(900_000 - 1);
    expect((await put(upload.url, PDF, upload.headers)).status).toBe(200);
    clock.advance(1);
    const response = await put(upload.url, PDF, upload.headers);
    expect(response.status).toBe(403);
    expect((await problemOf(response)).detail).toBe('This URL expired at 2026-01-15T09:15:00.000Z. Request a new URL.');
  });

  it('refuses an expired download URL (403)', async () => {
    const download = await storage.createDownloadUrl({ objectName: uniqueName(), expiresInSeconds: 1 });
    clock.advance(1000);
    expect((await fetch(download.url)).status).toBe(403);
  });
});

describe('content type and size', () => {
  it('refuses another content type (415) or none', async () => {
    const objectName = uniqueName();
    const upload = await uploadUrl(objectName);
    const response = await put(upload.url, PDF, { 'Content-Type': 'text/html' });
    expect(response.status).toBe(415);
    expect(await problemOf(response)).toMatchObject({
      code: 'unsupported_media_type',
      detail: 'This upload URL accepts only Content-Type application/pdf; the request sent text/html.',
    });
    expect((await rawRequest('PUT', new URL(upload.url).pathname + new URL(upload.url).search, PDF)).status).toBe(415);
    expect(await storage.stat(objectName)).toBeUndefined();
  });

  it('refuses more bytes than signed (413) and leaves no object or temporary file behind', async () => {
    const objectName = uniqueName();
    const upload = await uploadUrl(objectName);
    const response = await put(upload.url, Buffer.concat([PDF, Buffer.from('more')]), upload.headers);
    expect(response.status).toBe(413);
    expect(await problemOf(response)).toMatchObject({ code: 'payload_too_large' });
    expect(await storage.stat(objectName)).toBeUndefined();
    expect(tempFiles()).toEqual([]);
  });

  it('refuses fewer bytes than signed (400)', async () => {
    const objectName = uniqueName();
    const response = await put((await uploadUrl(objectName)).url, PDF.subarray(1), { 'Content-Type': 'application/pdf' });
    expect(response.status).toBe(400);
    expect(await storage.stat(objectName)).toBeUndefined();
  });

  it('refuses a URL signed for more than the server accepts (413)', async () => {
    const response = await put((await uploadUrl(uniqueName(), 65)).url, Buffer.alloc(65), { 'Content-Type': 'application/pdf' });
    expect(response.status).toBe(413);
    expect((await problemOf(response)).detail).toBe('Uploads are limited to 64 bytes here; this URL was signed for 65.');
  });

  it('refuses a chunked upload without Content-Length (400)', async () => {
    const upload = await uploadUrl(uniqueName());
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(PDF);
        controller.close();
      },
    });
    const response = await fetch(upload.url, { method: 'PUT', body, headers: upload.headers, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(400);
    expect((await problemOf(response)).detail).toContain('Content-Length header');
  });

  it('keeps no half-written object when the client goes away mid-upload', async () => {
    const objectName = uniqueName();
    const target = new URL((await uploadUrl(objectName, 60)).url);
    await new Promise<void>((resolve) => {
      const req = request(`${base}/`, {
        method: 'PUT',
        path: target.pathname + target.search,
        headers: { 'Content-Type': 'application/pdf', 'Content-Length': '60' },
      });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(20), () => setTimeout(() => req.destroy(), 50));
      req.on('close', () => resolve());
    });
    for (let i = 0; i < 50 && tempFiles().length; i++) await new Promise((r) => setTimeout(r, 10));
    expect(tempFiles()).toEqual([]);
    expect(await storage.stat(objectName)).toBeUndefined();
  });
});

describe('object names', () => {
  it.each(
    [
      '../etc/passwd',
      '/etc/passwd',
      'declarations/../../x',
      'a//b',
      'a/',
      '.hidden',
      'a/.meta',
      'name with spaces',
      'a%2f..',
      'é.pdf',
      '',
      `${'x'.repeat(1025)}`,
    ].map((n) => [n.length > 40 ? `${n.length} characters` : `"${n}"`, n]),
  )('refuses %s before signing anything', async (_label, objectName) => {
    await expect(storage.createUploadUrl({ objectName, contentType: 'application/pdf', contentLength: 1, expiresInSeconds: 60 })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(storage.createDownloadUrl({ objectName, expiresInSeconds: 60 })).rejects.toBeInstanceOf(ValidationError);
    await expect(storage.stat(objectName)).rejects.toBeInstanceOf(ValidationError);
  });

  it.each(['/_storage/../../etc/passwd', '/_storage/declarations/../../../etc/passwd', '/_storage/%2e%2e/%2e%2e/etc/passwd', '/_storage/a/../b'])(
    'never serves outside its folder: %s',
    async (target) => {
      const put = await rawRequest('PUT', `${target}?expires=9999999999&contentType=application/pdf&length=1&signature=x`, Buffer.from('x'));
      const get = await rawRequest('GET', `${target}?expires=9999999999&signature=x`);
      // 400 from the handler, or 404 when URL normalisation already took the path out of /_storage/.
      for (const response of [put, get]) expect([400, 404]).toContain(response.status);
      expect(JSON.parse(get.body).code).not.toBe('forbidden');
    },
  );

  it('refuses a traversal that reaches the handler with 400 naming the object name', async () => {
    const response = await rawRequest('GET', '/_storage/a/../b?expires=1&signature=x');
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ code: 'validation_failed', errors: [{ path: 'objectName' }] });
  });

  it('answers 409 when a name clashes with an object that is its prefix', async () => {
    const objectName = uniqueName();
    await put((await uploadUrl(objectName)).url, PDF, { 'Content-Type': 'application/pdf' });
    const response = await put((await uploadUrl(`${objectName}/inner`)).url, PDF, { 'Content-Type': 'application/pdf' });
    expect(response.status).toBe(409);
    expect(tempFiles()).toEqual([]);
    expect(existsSync(path.join(root, '.meta', objectName))).toBe(false);
    expect(await storage.stat(objectName)).toEqual({ size: PDF.length, contentType: 'application/pdf' });
  });
});

describe('requests it refuses to sign', () => {
  it.each([
    [{ contentType: 'application/PDF' }, 'contentType'],
    [{ contentType: 'application/pdf; charset=binary' }, 'contentType'],
    [{ contentLength: -1 }, 'contentLength'],
    [{ contentLength: 1.5 }, 'contentLength'],
    [{ expiresInSeconds: 0 }, 'expiresInSeconds'],
    [{ expiresInSeconds: MAX_SIGNED_URL_SECONDS + 1 }, 'expiresInSeconds'],
  ])('%j', async (change, field) => {
    const request = { objectName: 'a/b', contentType: 'application/pdf', contentLength: 1, expiresInSeconds: 60, ...change };
    await expect(storage.createUploadUrl(request)).rejects.toMatchObject({ code: 'validation_failed', errors: [{ path: field }] });
  });

  it('refuses download names with control characters', async () => {
    await expect(storage.createDownloadUrl({ objectName: 'a/b', expiresInSeconds: 60, downloadName: 'a\r\nSet-Cookie: x' })).rejects.toMatchObject({
      errors: [{ path: 'downloadName' }],
    });
  });

  it('refuses a short secret and a base URL that is not an origin', () => {
    expect(() => createLocalFolderStorage({ root, baseUrl: base, secret: 'short' })).toThrow('at least 43 characters');
    expect(() => createLocalFolderStorage({ root, baseUrl: 'localhost:8080/api', secret: SECRET })).toThrow('baseUrl');
  });
});
