/** The declarations Cloud Function: file, list, read, submit and cancel declarations. */
import { http } from '@google-cloud/functions-framework';
import { encodeCursor } from '../../shared/api/common.schemas';
import { toDeclarationBody } from '../../shared/api/declaration-view';
import {
  cancelDeclaration,
  createDeclaration,
  declarationRoutes,
  getDeclaration,
  listDeclarations,
  listDocuments,
  requestDocumentUpload,
  submitDeclaration,
} from '../../shared/api/declarations.routes';
import type { DocumentView } from '../../shared/domain/declarations/document.service';
import type { DeclarationDocument } from '../../shared/domain/declarations/declaration.types';
import type { DocumentProcessing } from '../../shared/domain/documents/document-processing.types';
import { ValidationError } from '../../shared/errors/app-error';
import { createHttpFunction } from '../../shared/http/http-function';
import { pipeline } from '../../shared/runtime/pipeline';
import { bindRoute } from '../../shared/http/request-context';
import { getDeclarationService, getDocumentService } from '../../shared/runtime/declarations';

/** List cursors carry the last item's creation time and id. */
function decodeListCursor(cursor: string | undefined) {
  if (!cursor) return undefined;
  const [createdAt, id] = cursor.split('|');
  if (!createdAt || !id || Number.isNaN(Date.parse(createdAt)))
    throw new ValidationError('The cursor is not one this API issued.', [{ path: 'query.cursor', message: 'not a cursor this API issued' }]);
  return { createdAt, id };
}

const processingBody = ({ documentId: _id, objectGeneration: _generation, processedAt, ...p }: DocumentProcessing) => ({
  ...p,
  processedAt: processedAt.toISOString(),
});

const documentBody = (d: DeclarationDocument & Partial<Pick<DocumentView, 'uploaded' | 'downloadUrl' | 'processing'>>) => ({
  id: d.id,
  filename: d.filename,
  contentType: d.contentType,
  size: d.sizeBytes,
  uploaded: d.uploaded ?? false,
  downloadUrl: d.downloadUrl ?? null,
  createdAt: d.createdAt.toISOString(),
  processing: d.processing ? processingBody(d.processing) : null,
});

export const routes = [
  bindRoute(createDeclaration, async ({ body }, ctx) => ({ status: 201, body: toDeclarationBody(await getDeclarationService().create(ctx.principal, body)) })),
  bindRoute(listDeclarations, async ({ query }, ctx) => {
    const page = await getDeclarationService().list(
      ctx.principal,
      { status: query.status, kind: query.kind },
      { limit: query.limit, after: decodeListCursor(query.cursor) },
    );
    const last = page.items[page.items.length - 1];
    return {
      status: 200,
      body: {
        items: page.items.map((d) => toDeclarationBody(d)),
        nextCursor: page.items.length === query.limit && last ? encodeCursor(`${last.createdAt.toISOString()}|${last.id}`) : null,
        total: page.total,
      },
    };
  }),
  bindRoute(getDeclaration, async ({ params }, ctx) => {
    const { declaration, history } = await getDeclarationService().get(ctx.principal, params.id);
    return { status: 200, body: toDeclarationBody(declaration, history) };
  }),
  bindRoute(submitDeclaration, async ({ params }, ctx) => {
    const service = getDeclarationService();
    const { declaration } = await service.get(ctx.principal, params.id);
    const action = declaration.status === 'documents_requested' ? 'resubmit' : 'submit';
    return { status: 200, body: toDeclarationBody(await service.ownerAction(ctx.principal, params.id, action)) };
  }),
  bindRoute(cancelDeclaration, async ({ params, body }, ctx) => ({
    status: 200,
    body: toDeclarationBody(await getDeclarationService().ownerAction(ctx.principal, params.id, 'cancel', body?.reason)),
  })),
  bindRoute(requestDocumentUpload, async ({ params, body }, ctx) => {
    const { document, upload } = await getDocumentService().requestUpload(ctx.principal, params.id, body);
    return { status: 201, body: { document: documentBody(document), upload: { ...upload, expiresAt: upload.expiresAt.toISOString() } } };
  }),
  bindRoute(listDocuments, async ({ params }, ctx) => ({
    status: 200,
    body: { items: (await getDocumentService().list(ctx.principal, params.id)).map(documentBody) },
  })),
];

export const definitions = declarationRoutes;

http('declarations', createHttpFunction({ routes, ...pipeline }));
