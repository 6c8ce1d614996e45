/**
 * Reading the text of a document: Google Cloud Vision in production, Tesseract locally and in tests,
 * chosen by configuration (OCR_PROVIDER). Engines read images (PNG, JPEG) and PDFs, at most
 * `maxPages` pages of a PDF; a failure of the engine itself rejects (the delivery is retried).
 */

export type OcrProvider = 'vision' | 'tesseract';
export type OcrInputType = 'image/png' | 'image/jpeg' | 'application/pdf';

export interface OcrInput {
  bytes: Buffer;
  /** The type read from the bytes, not the one the uploader declared. */
  contentType: OcrInputType;
}

export interface OcrResult {
  text: string;
  /** The engine's own confidence, 0..1, averaged over what it read; 0 when it read nothing. */
  quality: number;
  /** ISO 639-1 code of the dominant language (es, fr, en, …), or undefined when it cannot tell. */
  language: string | undefined;
  /** Pages read (1 for an image). */
  pages: number;
}

export interface OcrEngine {
  readonly provider: OcrProvider;
  read(input: OcrInput): Promise<OcrResult>;
  /** Releases workers and connections (tests, shutdown). */
  close(): Promise<void>;
}

/** Pages of a PDF an engine reads: Cloud Vision's synchronous files:annotate reads at most 5. */
export const MAX_OCR_PAGES = 5;

/** The engine answered, but cannot read this document (corrupt image, unsupported PDF): retrying would not help. */
export class UnreadableDocumentError extends Error {
  override name = 'UnreadableDocumentError';
}
