// The Cloud Storage adapter offline: V4 URLs signed by the real firebase-admin SDK with a generated key, checked by recomputing the signature.
import { createHash, createVerify, generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Socket, type AddressInfo } from 'node:net';
import path from 'node:path';
import { cert, deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { parseTfFile, TERRAFORM_ROOT } from '../../../scripts/delivery/terraform-config';
import { createFixedClock } from '../../ports/clock.port';
import { createGcsStorage, type GcsStorage } from './gcs-storage';
import { createObjectStorage } from './object-storage';

const PROJECT = 'taxasge-test';
const CLIENT_EMAIL = `storage-signer@${PROJECT}.iam.gserviceaccount.com`;
const BUCKET = 'taxasge-test-documents';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/** RFC 3986 percent-encoding, as the V4 canonical query string wants it (written here, not taken from the SDK). */
const encodeRfc3986 = (value: string) => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Rebuilds the V4 string-to-sign from a signed URL and the headers a client will send, following
 * https://cloud.google.com/storage/docs/authentication/canonical-requests, and verifies X-Goog-Signature.
 */
function verifyV4(method: string, signedUrl: string, sentHeaders: Record<string, string>): boolean {
  const url = new URL(signedUrl);
  const params = [...url.searchParams.entries()].filter(([k]) => k !== 'X-Goog-Signature');
  const canonicalQuery = params
    .map(([k, v]) => [encodeRfc3986(k), encodeRfc3986(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headers = Object.fromEntries(Object.entries({ ...sentHeaders, host: url.host }).map(([k, v]) => [k.toLowerCase(), v.trim()]));
  const signedHeaders = url.searchParams.get('X-Goog-SignedHeaders')!;
  const canonicalHeaders = signedHeaders
    .split(';')
    .map((name) => `${name}:${headers[name] ?? ''}\n`)
    .join('');
  const canonicalRequest = [method, url.pathname, canonicalQuery, canonicalHeaders, signedHeaders, 'UNSIGNED-PAYLOAD'].join('\n');
  const credential = url.searchParams.get('X-Goog-Credential')!;
  const scope = credential.slice(credential.indexOf('/') + 1);
  const stringToSign = ['GOOG4-RSA-SHA256', url.searchParams.get('X-Goog-Date'), scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  return createVerify('RSA-SHA256').update(stringToSign).verify(publicKey, url.searchParams.get('X-Goog-Signature')!, 'hex');
}

let app: App;
let storage: GcsStorage;
const clock = createFixedClock(new Date(Math.floor(Date.now() / 1000) * 1000));
const connect = jest.spyOn(Socket.prototype, 'connect');

beforeAll(() => {
  app = initializeApp(
    { credential: cert({ projectId: PROJECT, clientEmail: CLIENT_EMAIL, privateKey: privateKeyPem }), projectId: PROJECT },
    `gcs-test-${randomUUID()}`,
  );
  storage = createGcsStorage({ bucket: BUCKET, app, clock });
});

afterAll(async () => {
  connect.mockRestore();
  await deleteApp(app);
});

/** Connections to anything but this machine: Google's APIs, the metadata server. (Jest runs other files in this process, whose clients may reach their local database meanwhile.) */
const outsideConnections = () =>
  connect.mock.calls
    .map(
      ([first, second]) =>
        (typeof first === 'object' && first !== null ? (first as { host?: string }).host : typeof second === 'string' ? second : undefined) ?? 'localhost',
    )
    .filter((host) => !['127.0.0.1', 'localhost', '::1'].includes(host));

describe('signed URLs (no network)', () => {
  afterEach(() => expect(outsideConnections()).toEqual([]));

  it('signs an upload URL bound to the content type and the exact size', async () => {
    const upload = await storage.createUploadUrl({
      objectName: 'declarations/d-1/doc-1',
      contentType: 'application/pdf',
      contentLength: 12345,
      expiresInSeconds: 900,
    });
    expect(upload.method).toBe('PUT');
    expect(upload.headers).toEqual({ 'Content-Type': 'application/pdf', 'x-goog-content-length-range': '12345,12345', 'x-goog-if-generation-match': '0' });
    expect(upload.expiresAt).toEqual(new Date(clock.now().getTime() + 900_000));

    const url = new URL(upload.url);
    expect(url.origin).toBe('https://storage.googleapis.com');
    expect(url.pathname).toBe(`/${BUCKET}/declarations/d-1/doc-1`);
    const day = clock.now().toISOString().slice(0, 10).replace(/-/g, '');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      'X-Goog-Algorithm': 'GOOG4-RSA-SHA256',
      'X-Goog-Credential': `${CLIENT_EMAIL}/${day}/auto/storage/goog4_request`,
      'X-Goog-Date': clock
        .now()
        .toISOString()
        .replace(/[-:]|\.\d{3}/g, ''),
      'X-Goog-Expires': '900',
      'X-Goog-SignedHeaders': 'content-type;host;x-goog-content-length-range;x-goog-if-generation-match',
      'X-Goog-Signature': expect.stringMatching(/^[0-9a-f]{512}$/),
    });

    expect(verifyV4('PUT', upload.url, upload.headers)).toBe(true);
    // What Cloud Storage would compute for a client that sends anything else: a signature mismatch.
    expect(verifyV4('PUT', upload.url, { ...upload.headers, 'Content-Type': 'text/html' })).toBe(false);
    expect(verifyV4('PUT', upload.url, { ...upload.headers, 'x-goog-content-length-range': '0,99999999' })).toBe(false);
    expect(verifyV4('PUT', upload.url, { 'Content-Type': 'application/pdf' })).toBe(false);
    // Dropping the create-once precondition (to replace an uploaded document) breaks the signature too.
    const { 'x-goog-if-generation-match': _once, ...withoutOnce } = upload.headers;
    expect(verifyV4('PUT', upload.url, withoutOnce)).toBe(false);
    expect(verifyV4('PUT', upload.url, { ...upload.headers, 'x-goog-if-generation-match': '1' })).toBe(false);
    expect(verifyV4('GET', upload.url, upload.headers)).toBe(false);
    const longer = new URL(upload.url);
    longer.searchParams.set('X-Goog-Expires', '604800');
    expect(verifyV4('PUT', longer.href, upload.headers)).toBe(false);
  });

  it("is allowed by the bucket's CORS: a browser's preflight may send every header an upload URL asks for", async () => {
    const upload = await storage.createUploadUrl({ objectName: 'declarations/d-1/doc-2', contentType: 'image/png', contentLength: 10, expiresInSeconds: 900 });
    const main = await parseTfFile(path.join(TERRAFORM_ROOT, 'modules/stack/main.tf'));
    type Bucket = { cors?: { response_header: string[]; method: string[] }[] };
    const buckets = (main.json.resource as { google_storage_bucket: Record<string, Bucket[]> }).google_storage_bucket;
    const [cors, ...others] = Object.values(buckets).flatMap((blocks) => blocks.flatMap((b) => b.cors ?? []));
    expect(others).toEqual([]);
    expect(cors?.method).toContain(upload.method);
    expect(cors?.response_header.map((h) => h.toLowerCase()).sort()).toEqual(
      Object.keys(upload.headers)
        .map((h) => h.toLowerCase())
        .sort(),
    );
  });

  it('signs a download URL, with the file name in the signed response-content-disposition', async () => {
    const download = await storage.createDownloadUrl({ objectName: 'receipts/r-1.pdf', expiresInSeconds: 300, downloadName: 'Recibo nº 1.pdf' });
    expect(download.expiresAt).toEqual(new Date(clock.now().getTime() + 300_000));
    const url = new URL(download.url);
    expect(url.pathname).toBe(`/${BUCKET}/receipts/r-1.pdf`);
    expect(url.searchParams.get('X-Goog-SignedHeaders')).toBe('host');
    expect(url.searchParams.get('response-content-disposition')).toBe(`attachment; filename="Recibo no 1.pdf"; filename*=UTF-8''Recibo%20n%C2%BA%201.pdf`);
    expect(verifyV4('GET', download.url, {})).toBe(true);

    const renamed = new URL(download.url);
    renamed.searchParams.set('response-content-disposition', 'attachment; filename="other.html"');
    expect(verifyV4('GET', renamed.href, {})).toBe(false);

    const plain = await storage.createDownloadUrl({ objectName: 'receipts/r-1.pdf', expiresInSeconds: 300 });
    expect(new URL(plain.url).searchParams.has('response-content-disposition')).toBe(false);
    expect(verifyV4('GET', plain.url, {})).toBe(true);
  });

  it('refuses unsafe names and bad requests before signing', async () => {
    await expect(storage.createUploadUrl({ objectName: '../x', contentType: 'application/pdf', contentLength: 1, expiresInSeconds: 60 })).rejects.toMatchObject(
      { code: 'validation_failed' },
    );
    await expect(storage.createDownloadUrl({ objectName: 'a', expiresInSeconds: 8 * 24 * 3600 })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(storage.stat('/abs')).rejects.toMatchObject({ code: 'validation_failed' });
    expect(() => createGcsStorage({ bucket: 'Not A Bucket' })).toThrow('is not a Cloud Storage bucket name');
  });
});

describe('loading', () => {
  it('does not load firebase-admin/storage until the first call', async () => {
    let loaded = false;
    await jest.isolateModulesAsync(async () => {
      jest.doMock('firebase-admin/storage', () => {
        loaded = true;
        return { getStorage: () => ({ bucket: () => ({ file: () => ({ getSignedUrl: async () => ['https://signed.example/'] }) }) }) };
      });
      const { createGcsStorage: create } = jest.requireActual<typeof import('./gcs-storage')>('./gcs-storage');
      const lazy = create({ bucket: BUCKET, app: {} as App });
      expect(loaded).toBe(false);
      await lazy.createDownloadUrl({ objectName: 'a', expiresInSeconds: 60 });
      expect(loaded).toBe(true);
    });
    // doMock outlives the isolated registry: without this the stat tests below would get the stand-in.
    jest.dontMock('firebase-admin/storage');
  });

  it('is chosen when a bucket is configured; the local folder otherwise', () => {
    expect(createObjectStorage({ bucket: BUCKET, dataDir: '/tmp/x', publicBaseUrl: 'http://localhost:8080' }).kind).toBe('gcs');
    expect(createObjectStorage({ bucket: undefined, dataDir: '/tmp/x', publicBaseUrl: 'http://localhost:8080' }).kind).toBe('local');
  });
});

/**
 * stat needs Cloud Storage's JSON API, which cannot be reached offline and has no local emulator
 * here. The real SDK is pointed at a loopback stand-in through STORAGE_EMULATOR_HOST (read by
 * @google-cloud/storage when firebase-admin creates its client; no OAuth token is fetched for it).
 */
describe('stat, against a loopback stand-in for the JSON API', () => {
  let server: Server;
  const requests: string[] = [];
  let statApp: App;
  let statStorage: GcsStorage;

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      requests.push(`${req.method} ${req.url}`);
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      if (path.endsWith(`/b/${BUCKET}/o/declarations/d-1/doc-1`)) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ kind: 'storage#object', name: 'declarations/d-1/doc-1', bucket: BUCKET, size: '12345', contentType: 'application/pdf' }));
        return;
      }
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 404, message: 'No such object', errors: [{ reason: 'notFound', message: 'No such object' }] } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // eslint-disable-next-line no-restricted-properties -- the SDK takes its emulator endpoint only from the environment
    process.env.STORAGE_EMULATOR_HOST = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    statApp = initializeApp(
      { credential: cert({ projectId: PROJECT, clientEmail: CLIENT_EMAIL, privateKey: privateKeyPem }), projectId: PROJECT },
      `gcs-stat-${randomUUID()}`,
    );
    statStorage = createGcsStorage({ bucket: BUCKET, app: statApp });
    await statStorage.stat('warm-up'); // creates the SDK client while the variable is set
    // eslint-disable-next-line no-restricted-properties -- restore the environment for other tests
    delete process.env.STORAGE_EMULATOR_HOST;
  });

  afterAll(async () => {
    await deleteApp(statApp);
    await new Promise((resolve) => server.close(resolve));
  });

  it('reports size and content type of an uploaded object', async () => {
    expect(await statStorage.stat('declarations/d-1/doc-1')).toEqual({ size: 12345, contentType: 'application/pdf' });
    expect(requests.at(-1)).toMatch(new RegExp(`^GET /b/${BUCKET}/o/declarations%2Fd-1%2Fdoc-1`));
    // The same spy saw nothing while URLs were signed above: it does see connections.
    expect(connect).toHaveBeenCalled();
  });

  it('reports undefined for an object never uploaded', async () => {
    expect(await statStorage.stat('declarations/d-1/missing')).toBeUndefined();
  });
});
