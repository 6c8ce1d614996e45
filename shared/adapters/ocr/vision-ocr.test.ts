/** The Cloud Vision adapter against a local fake of Vision's REST contract (images:annotate, files:annotate). */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UnreadableDocumentError } from '../../ports/ocr.port';
import { createVisionOcr } from './vision-ocr';

interface Call {
  path: string;
  authorization: string | undefined;
  body: { requests: Record<string, unknown>[] };
}

let server: Server;
let base: string;
const calls: Call[] = [];
let answer: (call: Call) => { status: number; body: unknown };

const page = (text: string, confidence: number, languageCode: string) => ({
  fullTextAnnotation: { text, pages: [{ confidence, property: { detectedLanguages: [{ languageCode, confidence: 0.9 }] } }] },
});

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void readBody(req).then((text) => {
      const call: Call = { path: req.url ?? '', authorization: req.headers.authorization, body: JSON.parse(text) as Call['body'] };
      calls.push(call);
      const { status, body } = answer(call);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => (calls.length = 0));

const png = Buffer.from('\x89PNG\r\n\x1a\n-fake-image-bytes', 'binary');

describe('the Cloud Vision adapter', () => {
  it('reads an image with DOCUMENT_TEXT_DETECTION, with the bearer token and language hints', async () => {
    answer = () => ({ status: 200, body: { responses: [page('REPÚBLICA DE GUINEA ECUATORIAL\nNIF: GQ-1', 0.97, 'es')] } });
    const vision = createVisionOcr({ apiUrl: base, tokens: { token: () => Promise.resolve('ya29.token') }, languageHints: ['es', 'fr'] });
    const result = await vision.read({ bytes: png, contentType: 'image/png' });
    expect(result).toEqual({ text: 'REPÚBLICA DE GUINEA ECUATORIAL\nNIF: GQ-1', quality: 0.97, language: 'es', pages: 1 });
    expect(calls).toEqual([
      {
        path: '/v1/images:annotate',
        authorization: 'Bearer ya29.token',
        body: {
          requests: [
            { image: { content: png.toString('base64') }, features: [{ type: 'DOCUMENT_TEXT_DETECTION' }], imageContext: { languageHints: ['es', 'fr'] } },
          ],
        },
      },
    ]);
  });

  it("reads a PDF through files:annotate, its first five pages, averaging the pages' confidence", async () => {
    answer = () => ({
      status: 200,
      body: { responses: [{ responses: [page('Página uno', 0.9, 'es'), page('Page deux', 0.7, 'fr'), page('Página tres', 0.8, 'es')], totalPages: 3 }] },
    });
    const vision = createVisionOcr({ apiUrl: base, tokens: null });
    const pdf = Buffer.from('%PDF-1.7 fake');
    const result = await vision.read({ bytes: pdf, contentType: 'application/pdf' });
    expect(result).toEqual({ text: 'Página uno\n\f\nPage deux\n\f\nPágina tres', quality: 0.8, language: 'es', pages: 3 });
    expect(calls[0]).toMatchObject({ path: '/v1/files:annotate', authorization: undefined });
    expect(calls[0]!.body.requests[0]).toEqual({
      inputConfig: { content: pdf.toString('base64'), mimeType: 'application/pdf' },
      features: [{ type: 'DOCUMENT_TEXT_DETECTION' }],
      pages: [1, 2, 3, 4, 5],
    });
  });

  it('answers an empty page with no text and quality 0', async () => {
    answer = () => ({ status: 200, body: { responses: [{}] } });
    expect(await createVisionOcr({ apiUrl: base, tokens: null }).read({ bytes: png, contentType: 'image/png' })).toEqual({
      text: '',
      quality: 0,
      language: undefined,
      pages: 1,
    });
  });

  it('calls a document Vision refuses unreadable, so it is flagged, not retried', async () => {
    answer = () => ({ status: 200, body: { responses: [{ error: { code: 3, message: 'Bad image data.' } }] } });
    const refused = createVisionOcr({ apiUrl: base, tokens: null }).read({ bytes: png, contentType: 'image/png' });
    await expect(refused).rejects.toBeInstanceOf(UnreadableDocumentError);
    await expect(refused).rejects.toThrow('Cloud Vision: Bad image data.');
    answer = () => ({ status: 400, body: { error: { code: 400, message: 'Invalid PDF' } } });
    await expect(createVisionOcr({ apiUrl: base, tokens: null }).read({ bytes: png, contentType: 'application/pdf' })).rejects.toBeInstanceOf(
      UnreadableDocumentError,
    );
  });

  it('fails (the delivery is retried) when Vision is unavailable or over quota', async () => {
    answer = () => ({ status: 503, body: { error: { code: 503, message: 'unavailable' } } });
    const failed = createVisionOcr({ apiUrl: base, tokens: null }).read({ bytes: png, contentType: 'image/png' });
    await expect(failed).rejects.toThrow('Cloud Vision images:annotate answered HTTP 503');
    await expect(failed).rejects.not.toBeInstanceOf(UnreadableDocumentError);
    answer = () => ({ status: 200, body: { responses: [{ error: { code: 8, message: 'Quota exceeded' } }] } });
    await expect(createVisionOcr({ apiUrl: base, tokens: null }).read({ bytes: png, contentType: 'image/png' })).rejects.not.toBeInstanceOf(
      UnreadableDocumentError,
    );
  });
});
