/**
 * The checks of an uploaded document's bytes before anything reads it: its real type from its magic
 * bytes (file-type), against the declared type and the allowed list; its size against the declared
 * one; a PDF's page count (pdf-lib). Returns the flags and, when it is safe to, what OCR should read.
 */
import { fromBuffer } from 'file-type/core';
import { UnreadableDocumentError, type OcrInputType } from '../../ports/ocr.port';
import type { DocumentFlag } from '../../domain/documents/document-processing.types';
import { loadPdf } from './pdf-pages';

export const OCR_TYPES: readonly OcrInputType[] = ['application/pdf', 'image/jpeg', 'image/png'];
/** A declaration's supporting document is a few pages; more is flagged (OCR reads the first pages only). */
export const MAX_DOCUMENT_PAGES = 20;

export interface Inspection {
  flags: DocumentFlag[];
  detectedType: string | null;
  pageCount: number | null;
  /** What OCR reads: the bytes as their real type, when that type is allowed and the file opens. */
  ocrType: OcrInputType | undefined;
  detail: string | null;
}

export async function inspectDocument(bytes: Buffer, declared: { contentType: string; sizeBytes: number }): Promise<Inspection> {
  const flags: DocumentFlag[] = [];
  const details: string[] = [];
  if (bytes.length !== declared.sizeBytes) {
    flags.push('size_mismatch');
    details.push(`${bytes.length} bytes stored, ${declared.sizeBytes} declared`);
  }
  const detected = (await fromBuffer(bytes))?.mime ?? null;
  let ocrType: OcrInputType | undefined;
  if (detected === null) {
    flags.push('type_unknown');
    details.push(`declared ${declared.contentType}, but the bytes are of no known type`);
  } else if (!OCR_TYPES.includes(detected as OcrInputType)) {
    flags.push('type_not_allowed');
    details.push(`declared ${declared.contentType}, but the bytes are ${detected}`);
  } else {
    ocrType = detected as OcrInputType;
    if (detected !== declared.contentType) {
      flags.push('type_mismatch');
      details.push(`declared ${declared.contentType}, but the bytes are ${detected}`);
    }
  }
  let pageCount: number | null = null;
  if (ocrType === 'application/pdf') {
    try {
      pageCount = (await loadPdf(bytes)).getPageCount();
      if (pageCount > MAX_DOCUMENT_PAGES) {
        flags.push('too_many_pages');
        details.push(`${pageCount} pages, at most ${MAX_DOCUMENT_PAGES} expected`);
      }
    } catch (err) {
      if (!(err instanceof UnreadableDocumentError)) throw err;
      flags.push('unreadable');
      details.push(err.message);
      ocrType = undefined;
    }
  } else if (ocrType) {
    pageCount = 1;
  }
  return { flags, detectedType: detected, pageCount, ocrType, detail: details.length ? details.join('; ') : null };
}
