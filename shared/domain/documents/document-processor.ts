/**
 * The consumer of finalized uploads: finds the declaration document the object is, checks its bytes,
 * reads it with the OCR engine, and records the result once per upload (the inbox of processed
 * events). OCR runs outside any transaction, so a slow page holds no database connection; a
 * redelivered event that was recorded meanwhile is recognised before any work.
 */
import type { Database } from '../../ports/database.port';
import type { Logger } from '../../ports/logger.port';
import type { Clock } from '../../ports/clock.port';
import type { DomainEvent, EventHandler } from '../../ports/event-bus.port';
import type { ObjectStorage } from '../../ports/object-storage.port';
import { UnreadableDocumentError, type OcrEngine, type OcrInputType, type OcrResult } from '../../ports/ocr.port';
import { handleOnce } from '../events/inbox.repository';
import { findDocumentByObjectName, saveProcessing, wasHandled, type DocumentOfObject } from './document-processing.repository';
import type { DocumentFlag, DocumentHints, DocumentProcessing } from './document-processing.types';

export const OBJECT_FINALIZED_TYPE = 'storage.object.finalized';
const MAX_TEXT = 100_000;

interface FinalizedObjectData {
  name: string;
  generation: string;
}

export interface InspectionResult {
  flags: DocumentFlag[];
  detectedType: string | null;
  pageCount: number | null;
  ocrType: OcrInputType | undefined;
  detail: string | null;
}

/** What the pipeline reports for the metrics of dashboard 10. */
export interface ProcessedReport {
  provider: string;
  outcome: 'read' | 'flagged';
  flags: DocumentFlag[];
  quality: number | null;
  durationSeconds: number;
}

export interface DocumentProcessorDeps {
  db: Database;
  storage: Pick<ObjectStorage, 'read'>;
  clock: Clock;
  logger: Logger;
  ocr: () => OcrEngine;
  inspect: (bytes: Buffer, declared: { contentType: string; sizeBytes: number }) => Promise<InspectionResult>;
  /** Below this engine confidence (0..1) a document is flagged low_quality. */
  minQuality: number;
  /** Monotonic milliseconds, for durations. */
  elapsedMs?: () => number;
  onProcessed?: (report: ProcessedReport) => void;
  onFailed?: (provider: string) => void;
}

const normalise = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toUpperCase();
const compact = (s: string) => normalise(s).replace(/[^A-Z0-9]/g, '');

/** Hints for the agent: the owner's tax id and every word of the owner's name appear in the text (accents and spacing aside). */
export function hintsFor(text: string, owner: Pick<DocumentOfObject, 'ownerName' | 'ownerTaxId'>): DocumentHints {
  if (!text.trim()) return { taxIdFound: null, nameFound: null };
  const words = new Set(
    normalise(text)
      .split(/[^A-Z0-9]+/)
      .filter(Boolean),
  );
  const nameWords = normalise(owner.ownerName)
    .split(/[^A-Z0-9]+/)
    .filter((w) => w.length > 1);
  return {
    taxIdFound: owner.ownerTaxId ? compact(text).includes(compact(owner.ownerTaxId)) : null,
    nameFound: nameWords.length ? nameWords.every((w) => words.has(w)) : null,
  };
}

export function createDocumentProcessor(deps: DocumentProcessorDeps): { handle: EventHandler } {
  const elapsed = deps.elapsedMs ?? (() => performance.now());

  async function process(event: DomainEvent, subscription: string): Promise<void> {
    const object = event.data as FinalizedObjectData;
    const document = await findDocumentByObjectName(deps.db, object.name);
    // Receipts and anything else in the bucket are not declaration documents.
    if (!document) {
      deps.logger.debug('finalized object is no declaration document: nothing to check', { objectName: object.name });
      return;
    }
    if (await wasHandled(deps.db, subscription, event.id)) return;
    const bytes = await deps.storage.read(object.name);
    if (!bytes) {
      deps.logger.warning('finalized object is gone already: nothing to check', { objectName: object.name, documentId: document.id });
      return;
    }
    const started = elapsed();
    const inspection = await deps.inspect(bytes, document);
    const flags = [...inspection.flags];
    const details = inspection.detail ? [inspection.detail] : [];
    let read: OcrResult | undefined;
    let provider: DocumentProcessing['provider'] = null;
    if (inspection.ocrType) {
      const engine = deps.ocr();
      provider = engine.provider;
      try {
        read = await engine.read({ bytes, contentType: inspection.ocrType });
      } catch (err) {
        if (!(err instanceof UnreadableDocumentError)) {
          deps.onFailed?.(engine.provider);
          throw err;
        }
        flags.push('unreadable');
        details.push(err.message);
      }
    }
    if (read && !read.text.trim()) flags.push('no_text');
    else if (read && read.quality < deps.minQuality) flags.push('low_quality');
    const durationMs = Math.max(0, Math.round(elapsed() - started));
    const text = read ? read.text.slice(0, MAX_TEXT) : null;
    const result: DocumentProcessing = {
      documentId: document.id,
      objectGeneration: object.generation,
      outcome: flags.length ? 'flagged' : 'read',
      flags,
      detectedType: inspection.detectedType,
      pageCount: inspection.pageCount,
      provider,
      text,
      quality: read ? read.quality : null,
      language: read?.language ?? null,
      durationMs,
      hints: hintsFor(text ?? '', document),
      detail: details.length ? details.join('; ').slice(0, 1000) : null,
      processedAt: deps.clock.now(),
    };
    const recorded = await handleOnce(deps.db, subscription, event.id, deps.clock.now(), (tx) => saveProcessing(tx, result));
    if (!recorded) return;
    deps.logger.info('document checked', { documentId: document.id, outcome: result.outcome, flags, provider, quality: result.quality, durationMs });
    deps.onProcessed?.({ provider: provider ?? 'none', outcome: result.outcome, flags, quality: result.quality, durationSeconds: durationMs / 1000 });
  }

  return {
    async handle(event, delivery) {
      if (event.type !== OBJECT_FINALIZED_TYPE) return;
      await process(event, delivery.subscription);
    },
  };
}
