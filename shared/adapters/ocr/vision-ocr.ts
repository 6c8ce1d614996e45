/**
 * OCR with Google Cloud Vision's REST API (DOCUMENT_TEXT_DETECTION): `images:annotate` for PNG and
 * JPEG, `files:annotate` for PDFs (inline content, first 5 pages, synchronous). REST over node:http
 * with the metadata server's token, as the Pub/Sub publisher does, rather than @google-cloud/vision:
 * two POSTs do not justify loading gRPC and google-auth-library (hundreds of ms and tens of MB per
 * cold instance). Against a fake (tests), `apiUrl` is plain HTTP and `tokens` may be omitted.
 */
import { describeError, nodeHttp, type HttpTransport } from '../events/http-transport';
import { createMetadataTokenSource, type TokenSource } from '../events/metadata-token';
import { MAX_OCR_PAGES, UnreadableDocumentError, type OcrEngine, type OcrInput, type OcrResult } from '../../ports/ocr.port';

export const VISION_API_URL = 'https://vision.googleapis.com';

export interface VisionOptions {
  apiUrl?: string;
  /** The metadata server's tokens by default; `null` sends none (a local fake). */
  tokens?: TokenSource | null;
  transport?: HttpTransport;
  timeoutMs?: number;
  /** BCP-47 hints (es, fr, en); Vision detects the language itself either way. */
  languageHints?: readonly string[];
}

interface Annotation {
  fullTextAnnotation?: {
    text?: string;
    pages?: { confidence?: number; property?: { detectedLanguages?: { languageCode?: string; confidence?: number }[] } }[];
  };
  error?: { code?: number; message?: string };
}

/** Vision's status codes (google.rpc.Code) that say the input itself is at fault. */
const INPUT_ERRORS = new Set([3 /* INVALID_ARGUMENT */, 9 /* FAILED_PRECONDITION */, 11 /* OUT_OF_RANGE */]);

export function createVisionOcr(options: VisionOptions = {}): OcrEngine {
  const base = (options.apiUrl ?? VISION_API_URL).replace(/\/+$/, '');
  const tokens = options.tokens === undefined ? createMetadataTokenSource() : options.tokens;
  const transport = options.transport ?? nodeHttp;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const features = [{ type: 'DOCUMENT_TEXT_DETECTION' }];
  const imageContext = options.languageHints?.length ? { languageHints: [...options.languageHints] } : undefined;

  async function post(method: 'images:annotate' | 'files:annotate', body: unknown): Promise<{ responses?: unknown[] }> {
    const signal = AbortSignal.timeout(timeoutMs);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (tokens) headers.authorization = `Bearer ${await tokens.token(signal)}`;
    let answer;
    try {
      answer = await transport(`${base}/v1/${method}`, { method: 'POST', headers, body: JSON.stringify(body), signal });
    } catch (err) {
      throw new Error(`Cloud Vision ${method} failed: ${signal.aborted ? `no answer within ${timeoutMs} ms` : describeError(err)}`, { cause: err });
    }
    if (answer.status === 400) throw new UnreadableDocumentError(`Cloud Vision refused the document: ${answer.text.slice(0, 300)}`);
    if (answer.status !== 200) throw new Error(`Cloud Vision ${method} answered HTTP ${answer.status}: ${answer.text.replace(/\s+/g, ' ').slice(0, 300)}`);
    return JSON.parse(answer.text) as { responses?: unknown[] };
  }

  function pagesOf(annotations: Annotation[]): OcrResult {
    for (const a of annotations) {
      if (a.error?.code === undefined || a.error.code === 0) continue;
      const message = `Cloud Vision: ${a.error.message ?? `error ${a.error.code}`}`;
      throw INPUT_ERRORS.has(a.error.code) ? new UnreadableDocumentError(message) : new Error(message);
    }
    const texts = annotations.map((a) => a.fullTextAnnotation?.text?.trim() ?? '');
    const pages = annotations.flatMap((a) => a.fullTextAnnotation?.pages ?? []);
    const confidences = pages.map((p) => p.confidence).filter((c): c is number => typeof c === 'number');
    const languages = new Map<string, number>();
    for (const p of pages)
      for (const l of p.property?.detectedLanguages ?? [])
        if (l.languageCode) languages.set(l.languageCode, (languages.get(l.languageCode) ?? 0) + (l.confidence ?? 1));
    const language = [...languages.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    const quality = confidences.length ? confidences.reduce((s, c) => s + c, 0) / confidences.length : 0;
    return {
      text: texts.filter(Boolean).join('\n\f\n'),
      quality: Math.round(quality * 1000) / 1000,
      language: language?.split('-')[0],
      pages: Math.max(annotations.length, 1),
    };
  }

  return {
    provider: 'vision',

    async read(input: OcrInput): Promise<OcrResult> {
      const content = input.bytes.toString('base64');
      if (input.contentType === 'application/pdf') {
        const pages = Array.from({ length: MAX_OCR_PAGES }, (_, i) => i + 1);
        const answer = await post('files:annotate', {
          requests: [{ inputConfig: { content, mimeType: 'application/pdf' }, features, pages, ...(imageContext ? { imageContext } : {}) }],
        });
        const file = (answer.responses?.[0] ?? {}) as { responses?: Annotation[]; error?: Annotation['error'] };
        return pagesOf([...(file.error ? [{ error: file.error }] : []), ...(file.responses ?? [])]);
      }
      const answer = await post('images:annotate', { requests: [{ image: { content }, features, ...(imageContext ? { imageContext } : {}) }] });
      return pagesOf([(answer.responses?.[0] ?? {}) as Annotation]);
    },

    close: () => Promise.resolve(),
  };
}
