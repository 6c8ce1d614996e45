/** The agent Cloud Function: the review queue and review decisions. */
import { http } from '@google-cloud/functions-framework';
import { agentRoutes, approve, claim, escalate, getQueue, reject, release, requestDocuments } from '../../shared/api/agent.routes';
import { toDeclarationBody } from '../../shared/api/declaration-view';
import { createHttpFunction } from '../../shared/http/http-function';
import { pipeline } from '../../shared/runtime/pipeline';
import { bindRoute } from '../../shared/http/request-context';
import { documentFlagsByDeclaration } from '../../shared/domain/documents/document-processing.repository';
import { getReviewService } from '../../shared/runtime/declarations';
import { getRuntime } from '../../shared/runtime/runtime';

export const routes = [
  bindRoute(getQueue, async ({ query }, ctx) => {
    const items = await getReviewService().queue(ctx.principal, query.ministry, query.limit);
    const documents = await documentFlagsByDeclaration(
      getRuntime().db,
      items.map((i) => i.declaration.id),
    );
    const none = { documents: 0, flagged: 0, unprocessed: 0 };
    return {
      status: 200,
      body: {
        items: items.map((i) => {
          const d = documents.get(i.declaration.id) ?? none;
          return { ...i, declaration: toDeclarationBody(i.declaration), documents: { count: d.documents, flagged: d.flagged, unprocessed: d.unprocessed } };
        }),
      },
    };
  }),
  bindRoute(claim, async ({ params }, ctx) => ({ status: 200, body: toDeclarationBody(await getReviewService().claim(ctx.principal, params.id)) })),
  bindRoute(release, async ({ params }, ctx) => ({ status: 200, body: toDeclarationBody(await getReviewService().release(ctx.principal, params.id)) })),
  bindRoute(approve, async ({ params, body }, ctx) => ({
    status: 200,
    body: toDeclarationBody(await getReviewService().approve(ctx.principal, params.id, body?.validatedAmount, body?.comment)),
  })),
  bindRoute(reject, async ({ params, body }, ctx) => ({
    status: 200,
    body: toDeclarationBody(await getReviewService().reject(ctx.principal, params.id, body.reason, body.comment)),
  })),
  bindRoute(requestDocuments, async ({ params, body }, ctx) => ({
    status: 200,
    body: toDeclarationBody(await getReviewService().requestDocuments(ctx.principal, params.id, body.documents, body.message)),
  })),
  bindRoute(escalate, async ({ params, body }, ctx) => ({
    status: 200,
    body: toDeclarationBody(await getReviewService().escalate(ctx.principal, params.id, body.reason)),
  })),
];

export const definitions = agentRoutes;

http('agent', createHttpFunction({ routes, ...pipeline }));
