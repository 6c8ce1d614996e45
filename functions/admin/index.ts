/** The admin Cloud Function: accounts and roles, the audit log, the catalog's open flags. */
import { http } from '@google-cloud/functions-framework';
import { adminRoutes, getAutoApproval, listAuditLog, listFlaggedServices, listUsers, setAutoApproval, updateUser } from '../../shared/api/admin.routes';
import { createAutoApprovalService } from '../../shared/domain/declarations/auto-approval.service';
import { createRefund, financeRoutes, getReconciliation, getRevenue, listAnomalies, listDeadLetters, listReconciliationRuns, listWebhooks, replayDeadLetter, replayWebhook } from '../../shared/api/finance.routes';
import { assertBankConfigured, getConfig } from '../../shared/config/config';
import { revenueByMinistry } from '../../shared/domain/payments/ledger';
import { reconcileDay } from '../../shared/domain/payments/reconciliation';
import { listReconciliationRuns as listRuns } from '../../shared/domain/payments/reconciliation-runs.repository';
import { getBank, getRefundService, getReplayService } from '../../shared/runtime/payments';
import { encodeCursor } from '../../shared/api/common.schemas';
import { toUserBody } from '../../shared/api/identity.schemas';
import { getCatalog as catalog } from '../../shared/runtime/catalog';
import { createUserAdminService } from '../../shared/domain/identity/user-admin.service';
import { createHttpFunction } from '../../shared/http/http-function';
import { pipeline } from '../../shared/runtime/pipeline';
import { bindRoute } from '../../shared/http/request-context';
import { getAuditLog } from '../../shared/runtime/identity';
import { getRuntime, perRuntime } from '../../shared/runtime/runtime';

assertBankConfigured(getConfig(), 'api');

const paymentBody = (p: Awaited<ReturnType<ReturnType<typeof getRefundService>['refund']>>) => ({
  id: p.id,
  reference: p.reference,
  declarationId: p.declarationId,
  status: p.status,
  amount: p.amount,
  currency: p.currency,
  method: p.method,
  checkoutUrl: p.checkoutUrl,
  expiresAt: p.expiresAt.toISOString(),
  paidAt: p.paidAt?.toISOString() ?? null,
  refundedAmount: p.refundedAmount,
});

const users = perRuntime((rt) =>
  createUserAdminService({
    db: rt.db,
    clock: rt.clock,
    cache: rt.cache,
    audit: getAuditLog(),
    knownMinistries: async () => new Set((await rt.db.query<{ code: string }>('SELECT code FROM ministries')).rows.map((r) => r.code)),
  }),
);

const autoApproval = perRuntime((rt) => createAutoApprovalService({ db: rt.db, clock: rt.clock, audit: getAuditLog() }));

export const routes = [
  bindRoute(listUsers, async ({ query }) => {
    const page = await users().list({ role: query.role, status: query.status, after: query.cursor, limit: query.limit });
    const last = page.users[page.users.length - 1];
    return {
      status: 200,
      body: { items: page.users.map(toUserBody), nextCursor: page.users.length === query.limit && last ? encodeCursor(last.email) : null, total: page.total },
    };
  }),
  bindRoute(updateUser, async ({ params, body }, ctx) => ({ status: 200, body: toUserBody(await users().update(ctx.principal!, params.id, body, ctx.ip)) })),
  bindRoute(listAuditLog, async ({ query }) => {
    const beforeId = query.cursor === undefined ? undefined : Number(query.cursor);
    const items = await getAuditLog().list(getRuntime().db, { limit: query.limit, ...(beforeId && Number.isInteger(beforeId) ? { beforeId } : {}), ...(query.action ? { action: query.action } : {}) });
    const last = items[items.length - 1];
    return { status: 200, body: { items, nextCursor: items.length === query.limit && last ? encodeCursor(String(last.id)) : null } };
  }),
  bindRoute(getAutoApproval, async ({ params }) => ({ status: 200, body: await autoApproval().get(params.code) })),
  bindRoute(setAutoApproval, async ({ params, body }, ctx) => ({ status: 200, body: await autoApproval().set(ctx.principal!, params.code, body.threshold, ctx.ip) })),
  bindRoute(listFlaggedServices, async ({ query }) => {
    const page = await catalog().listNotPayable({ lang: 'es', limit: query.limit, after: query.cursor });
    return { status: 200, body: { items: page.items, nextCursor: page.lastCode ? encodeCursor(page.lastCode) : null, total: page.total } };
  }),
  bindRoute(getReconciliation, async ({ query }) => ({ status: 200, body: await reconcileDay(getRuntime().db, getBank(), query.date, getRuntime().clock.now()) })),
  bindRoute(listReconciliationRuns, async ({ query }) => {
    const { runs, total } = await listRuns(getRuntime().db, { from: query.from, to: query.to, before: query.cursor, limit: query.limit });
    const last = runs[runs.length - 1];
    return {
      status: 200,
      body: { items: runs.map((r) => ({ ...r, runAt: r.runAt.toISOString() })), nextCursor: runs.length === query.limit && last ? encodeCursor(last.date) : null, total },
    };
  }),
  bindRoute(getRevenue, async ({ query }) => {
    const items = await revenueByMinistry(getRuntime().db, new Date(`${query.from}T00:00:00Z`), new Date(`${query.to}T00:00:00Z`), query.ministry);
    return { status: 200, body: { items, total: items.reduce((n, i) => n + i.net, 0) } };
  }),
  bindRoute(createRefund, async ({ body }, ctx) => ({ status: 201, body: paymentBody(await getRefundService().refund(ctx.principal!, body, ctx.ip, ctx.idempotencyKey)) })),
  bindRoute(listAnomalies, async ({ query }) => {
    const { rows } = await getRuntime().db.query<{ id: string; kind: string; payment_id: string | null; webhook_event_id: string | null; detail: string; detected_at: Date }>(
      'SELECT * FROM payment_anomalies WHERE resolved_at IS NULL ORDER BY detected_at DESC LIMIT $1',
      [query.limit],
    );
    return { status: 200, body: { items: rows.map((r) => ({ id: r.id, kind: r.kind, paymentId: r.payment_id, webhookEventId: r.webhook_event_id, detail: r.detail, detectedAt: r.detected_at.toISOString() })) } };
  }),
  bindRoute(listWebhooks, async ({ query }) => ({ status: 200, body: { items: await getReplayService().listWebhooks(query.status, query.limit) } })),
  bindRoute(replayWebhook, async ({ params }, ctx) => ({ status: 200, body: { outcome: await getReplayService().replayWebhook(params.id, { actorId: ctx.principal!.userId, ip: ctx.ip, via: 'api' }) } })),
  bindRoute(listDeadLetters, async ({ query }) => ({ status: 200, body: { items: await getReplayService().listDeadLetters(query.open === 'true', query.limit) } })),
  bindRoute(replayDeadLetter, async ({ params }, ctx) => {
    await getReplayService().replayDeadLetter(params.id, { actorId: ctx.principal!.userId, ip: ctx.ip, via: 'api' });
    return { status: 200, body: { replayed: true } };
  }),
];

export const definitions = [...adminRoutes, ...financeRoutes];

http('admin', createHttpFunction({ routes, ...pipeline }));
