/** The document pipeline of a runtime: the OCR engine chosen by configuration and the consumer of finalized uploads. */
import { createDocumentProcessor } from '../domain/documents/document-processor';
import type { OcrEngine } from '../ports/ocr.port';
import { perRuntime, type Runtime } from './runtime';
import type { SubscriptionHandlers } from './subscriptions';

const ISO_OF = { spa: 'es', fra: 'fr', eng: 'en' } as const;

/** An engine whose module loads on its first document: every function bundles the runtime, only process-document reads documents. */
function loadedOnFirstUse(provider: OcrEngine['provider'], load: () => Promise<OcrEngine>): OcrEngine {
  let engine: Promise<OcrEngine> | undefined;
  return {
    provider,
    read: async (input) => (await (engine ??= load())).read(input),
    close: async () => {
      if (engine) await (await engine).close();
    },
  };
}

/** Cloud Vision over REST in staging and production, Tesseract elsewhere (OCR_PROVIDER). */
export function createOcrEngine(rt: Pick<Runtime, 'config'>): OcrEngine {
  const { provider, languages, visionApiUrl } = rt.config.ocr;
  if (provider === 'vision') {
    // Against a local fake (http://), no token from the metadata server.
    const options = { apiUrl: visionApiUrl, languageHints: languages.map((l) => ISO_OF[l]), ...(visionApiUrl.startsWith('http://') ? { tokens: null } : {}) };
    return loadedOnFirstUse('vision', async () => (await import('../adapters/ocr/vision-ocr')).createVisionOcr(options));
  }
  return loadedOnFirstUse('tesseract', async () => (await import('../adapters/ocr/tesseract-ocr')).createTesseractOcr({ languages }));
}

// Built on the first document, not with the runtime: only the process-document function reads documents.
export const getOcrEngine = perRuntime((rt) => createOcrEngine(rt));

export const getDocumentProcessor = perRuntime((rt) =>
  createDocumentProcessor({
    db: rt.db,
    storage: rt.storage,
    clock: rt.clock,
    logger: rt.logger,
    ocr: getOcrEngine,
    inspect: async (bytes, declared) => (await import('../adapters/ocr/document-inspector')).inspectDocument(bytes, declared),
    minQuality: rt.config.ocr.minQuality,
    onProcessed: ({ provider, outcome, flags, quality, durationSeconds }) => {
      const { recorder } = rt.metrics();
      recorder.increment('documents_processed', { provider, outcome });
      for (const flag of flags) recorder.increment('document_flags', { flag });
      if (quality !== null) recorder.observe('document_ocr_quality', { provider }, quality);
      recorder.observe('document_processing_duration_seconds', { provider }, durationSeconds);
    },
    onFailed: (provider) => rt.metrics().recorder.increment('documents_processed', { provider, outcome: 'failed' }),
  }),
);

/** The subscription of uploaded documents (the process-document function). */
export const documentSubscriptionHandlers = { 'process-document': () => getDocumentProcessor().handle } satisfies SubscriptionHandlers;
