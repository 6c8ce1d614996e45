/** What the document pipeline records about a document: the checks of its bytes and what OCR read. */

/** Why a document is flagged for the agent; never an automatic rejection. */
export const DOCUMENT_FLAGS = [
  'type_unknown',
  'type_not_allowed',
  'type_mismatch',
  'size_mismatch',
  'too_many_pages',
  'unreadable',
  'no_text',
  'low_quality',
] as const;
export type DocumentFlag = (typeof DOCUMENT_FLAGS)[number];

/** Simple checks of the text against the declaration, shown as hints: null when there was nothing to look for. */
export interface DocumentHints {
  /** The owner's tax id (NIF) appears in the text. */
  taxIdFound: boolean | null;
  /** Every word of the owner's name appears in the text. */
  nameFound: boolean | null;
}

export interface DocumentProcessing {
  documentId: string;
  /** The upload this result is of (Cloud Storage's object generation). */
  objectGeneration: string;
  outcome: 'read' | 'flagged';
  flags: DocumentFlag[];
  /** The type read from the magic bytes, whatever was declared. */
  detectedType: string | null;
  pageCount: number | null;
  provider: 'vision' | 'tesseract' | null;
  text: string | null;
  /** The OCR engine's confidence, 0..1. */
  quality: number | null;
  language: string | null;
  durationMs: number;
  hints: DocumentHints;
  /** Why a check failed or the engine could not read, in one line. */
  detail: string | null;
  processedAt: Date;
}
