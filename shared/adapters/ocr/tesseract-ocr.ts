/**
 * OCR with Tesseract (tesseract.js: the C++ engine compiled to WebAssembly, in a worker thread), for
 * development, tests and the deployed shape. Nothing is fetched at run time: the engine comes from
 * tesseract.js-core and the trained data from the @tesseract.js-data packages in node_modules (their
 * 4.0.0 "fast" integer models), linked into one folder because tesseract.js reads every language
 * from a single langPath. One worker per engine, started on the first document; reads are queued on it.
 */
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MAX_OCR_PAGES, UnreadableDocumentError, type OcrEngine, type OcrInput, type OcrResult } from '../../ports/ocr.port';
import { guessLanguage } from './language-guess';
import { loadPdf, pageImages } from './pdf-pages';

/** Tesseract's codes of the languages whose data is installed, with their ISO 639-1 codes. */
export const TESSERACT_LANGUAGES = { spa: 'es', fra: 'fr', eng: 'en' } as const;
export type TesseractLanguage = keyof typeof TESSERACT_LANGUAGES;

type Worker = Awaited<ReturnType<(typeof import('tesseract.js'))['createWorker']>>;

/** The installed data of each language, by explicit name so bundlers and readers see which packages are used. */
function installedData(language: TesseractLanguage): string {
  const packageJson =
    language === 'spa'
      ? require.resolve('@tesseract.js-data/spa/package.json')
      : language === 'fra'
        ? require.resolve('@tesseract.js-data/fra/package.json')
        : require.resolve('@tesseract.js-data/eng/package.json');
  return path.join(path.dirname(packageJson), '4.0.0', `${language}.traineddata.gz`);
}

/** A folder holding `<lang>.traineddata.gz` of each language: links to the installed files, no copy. */
function languageFolder(languages: readonly TesseractLanguage[]): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'taxasge-tessdata-'));
  for (const language of languages) symlinkSync(installedData(language), path.join(folder, `${language}.traineddata.gz`));
  return folder;
}

export interface TesseractOptions {
  /** Languages read together, the first the main one (OCR_LANGUAGES, e.g. spa+fra+eng). */
  languages: readonly TesseractLanguage[];
}

export function createTesseractOcr(options: TesseractOptions): OcrEngine {
  let worker: Promise<Worker> | undefined;

  function getWorker(): Promise<Worker> {
    worker ??= (async () => {
      const { createWorker, OEM } = await import('tesseract.js');
      // cacheMethod none: never write trained data into the working directory.
      // errorHandler: without one, tesseract.js rethrows a failed job from its message listener, which would end the process.
      return createWorker(options.languages.join('+'), OEM.LSTM_ONLY, {
        langPath: languageFolder(options.languages),
        cacheMethod: 'none',
        gzip: true,
        errorHandler: () => undefined,
      });
    })();
    // A worker that failed to start is not kept: the next document tries again (the delivery is retried meanwhile).
    worker.catch(() => (worker = undefined));
    return worker;
  }

  async function recognize(image: Buffer): Promise<{ text: string; confidence: number }> {
    const engine = await getWorker();
    try {
      const { data } = await engine.recognize(image);
      return { text: data.text, confidence: data.confidence / 100 };
    } catch (err) {
      // The worker answers a failed job with a string; an image Leptonica cannot decode is the document's fault.
      const reason = err instanceof Error ? err.message : String(err);
      if (/read image/i.test(reason)) throw new UnreadableDocumentError(`Tesseract cannot decode the image: ${reason}`);
      throw new Error(`Tesseract failed: ${reason}`);
    }
  }

  return {
    provider: 'tesseract',

    async read(input: OcrInput): Promise<OcrResult> {
      let images: (Buffer | undefined)[] = [input.bytes];
      if (input.contentType === 'application/pdf') images = pageImages(await loadPdf(input.bytes), MAX_OCR_PAGES);
      const pages: { text: string; confidence: number }[] = [];
      for (const image of images) pages.push(image ? await recognize(image) : { text: '', confidence: 0 });
      const text = pages
        .map((p) => p.text.trim())
        .filter(Boolean)
        .join('\n\f\n');
      // Confidence weighted by the text each page gave, so a blank page does not sink a readable one.
      const weight = pages.reduce((sum, p) => sum + p.text.trim().length, 0);
      const quality = weight === 0 ? 0 : pages.reduce((sum, p) => sum + p.confidence * p.text.trim().length, 0) / weight;
      return { text, quality: Math.round(quality * 1000) / 1000, language: guessLanguage(text), pages: images.length };
    },

    async close() {
      const started = worker;
      worker = undefined;
      if (started) await (await started.catch(() => undefined))?.terminate();
    },
  };
}
