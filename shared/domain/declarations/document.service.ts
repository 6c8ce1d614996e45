/** Documents of a declaration: upload slots through signed URLs, and listing for those who may read them. */
import type { Database } from '../../ports/database.port';
import { AppError, ValidationError } from '../../errors/app-error';
import type { Clock } from '../../ports/clock.port';
import type { IdGenerator } from '../../ports/ids.port';
import type { ObjectStorage, SignedUpload } from '../../ports/object-storage.port';
import type { Principal } from '../identity/principal';
import { actorFor, assertCanRead } from './declaration-access';
import type { DeclarationStatus } from './declaration-state-machine';
import type { DeclarationDocument } from './declaration.types';
import { findDeclaration, findDocuments, insertDocument } from './declarations.repository';
import { findProcessing } from '../documents/document-processing.repository';
import type { DocumentProcessing } from '../documents/document-processing.types';

export const DOCUMENT_TYPES = { 'application/pdf': 'pdf', 'image/jpeg': 'jpg', 'image/png': 'png' } as const;
export type DocumentType = keyof typeof DOCUMENT_TYPES;
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;
export const UPLOAD_URL_SECONDS = 15 * 60;
export const DOWNLOAD_URL_SECONDS = 5 * 60;

/**
 * The name a document downloads as: the declaration's reference, its number in the declaration, and
 * the extension of its real type (read from the bytes by the pipeline; the declared type's until then).
 * Never the uploader's name, which stays data: a browser must not be told `factura.pdf` for a script.
 * Bytes of no allowed type download as `.bin`, so no OS opens them with an executable's handler.
 */
export function documentDownloadName(
  reference: string,
  number: number,
  declaredType: string,
  processing: Pick<DocumentProcessing, 'detectedType'> | null,
): string {
  const type = processing ? processing.detectedType : declaredType;
  const extension = type !== null && Object.hasOwn(DOCUMENT_TYPES, type) ? DOCUMENT_TYPES[type as DocumentType] : 'bin';
  return `${reference}-${number}.${extension}`;
}

/** Documents can be added until the file is closed. */
const OPEN: readonly DeclarationStatus[] = ['draft', 'awaiting_payment', 'submitted', 'paid', 'documents_requested', 'in_review', 'escalated', 'approved'];

export interface DocumentView extends DeclarationDocument {
  uploaded: boolean;
  downloadUrl: string | null;
  /** What the document pipeline found (checks, OCR), once it processed the upload. */
  processing: DocumentProcessing | null;
}

export function createDocumentService(deps: { db: Database; clock: Clock; ids: IdGenerator; storage: ObjectStorage }) {
  return {
    async requestUpload(
      principal: Principal,
      declarationId: string,
      file: { filename: string; contentType: DocumentType; size: number },
    ): Promise<{ document: DeclarationDocument; upload: SignedUpload }> {
      const declaration = await findDeclaration(deps.db, declarationId);
      assertCanRead(principal, declaration, declarationId);
      if (actorFor(principal, declaration) !== 'owner') throw new AppError('forbidden', 'Only the owner of a declaration adds its documents.');
      if (!OPEN.includes(declaration.status)) throw new AppError('declaration_closed', `Documents cannot be added: the declaration is ${declaration.status}.`);
      if (file.size > MAX_DOCUMENT_BYTES) {
        throw new ValidationError(`The file is ${file.size} bytes; at most ${MAX_DOCUMENT_BYTES} (10 MB) are accepted.`, [
          { path: 'body.size', message: 'expected at most 10485760 bytes' },
        ]);
      }
      const id = deps.ids.uuid();
      const document: DeclarationDocument = {
        id,
        declarationId,
        filename: file.filename,
        contentType: file.contentType,
        sizeBytes: file.size,
        objectName: `declarations/${declarationId}/${id}.${DOCUMENT_TYPES[file.contentType]}`,
        uploadedBy: principal.userId,
        createdAt: deps.clock.now(),
      };
      const upload = await deps.storage.createUploadUrl({
        objectName: document.objectName,
        contentType: file.contentType,
        contentLength: file.size,
        expiresInSeconds: UPLOAD_URL_SECONDS,
      });
      await insertDocument(deps.db, document);
      return { document, upload };
    },

    async list(principal: Principal, declarationId: string): Promise<DocumentView[]> {
      const declaration = await findDeclaration(deps.db, declarationId);
      assertCanRead(principal, declaration, declarationId);
      const actor = actorFor(principal, declaration);
      if (actor !== 'owner' && actor !== 'agent' && actor !== 'supervisor')
        throw new AppError('forbidden', 'Only the owner and the agents of its ministry read the documents of a declaration.');
      const documents = await findDocuments(deps.db, declarationId);
      const processed = await findProcessing(
        deps.db,
        documents.map((d) => d.id),
      );
      return Promise.all(
        documents.map(async (d, index) => {
          const processing = processed.get(d.id) ?? null;
          const stored = await deps.storage.stat(d.objectName);
          const uploaded = stored !== undefined && stored.size === d.sizeBytes;
          const download = uploaded
            ? await deps.storage.createDownloadUrl({
                objectName: d.objectName,
                expiresInSeconds: DOWNLOAD_URL_SECONDS,
                downloadName: documentDownloadName(declaration.reference, index + 1, d.contentType, processing),
              })
            : undefined;
          return { ...d, uploaded, downloadUrl: download?.url ?? null, processing };
        }),
      );
    },
  };
}
