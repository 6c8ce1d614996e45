/** The admin Cloud Function: accounts and roles, the audit log, the catalog's open flags. */
import { http } from '@google-cloud/functions-framework';
import { adminRoutes, getAutoApproval, listAuditLog, listFlaggedServices, listUsers, setAutoApproval, updateUser } from '../../shared/api/admin.routes';
import {
  createRefund,
  financeRoutes,
  getReconciliation,
  getRevenue,
  listAnomalies,
  listDeadLetters,
  listReconciliationRuns,
  listWebhooks,
  replayDeadLetter,
  replayWebhook,
} from '../../shared/api/finance.routes';
import { assertBankConfigured, getConfig } from '../../shared/config/config';
import { revenueByMinistry } from '../../shared/domain/payments/ledger.repository';
import { reconcileDay } from '../../shared/domain/payments/reconciliation';
import { listReconciliationRuns as listRuns } from '../../shared/domain/payments/reconciliation-runs.repository';
import { getBank, getRefundService, getReplayService } from '../../shared/runtime/payments';
import { encodeCursor } from '../../shared/api/common.schemas';
import { toPaymentBody } from '../../shared/api/payment-view';
import { toUserBody } from '../../shared/api/identity.schemas';
import { getCatalog as catalog } from '../../shared/runtime/catalog';
import { createHttpFunction } from '../../shared/http/http-function';
import { pipeline } from '../../shared/runtime/pipeline';
import { bindRoute } from '../../shared/http/request-context';
import { getAuditLog } from '../../shared/runtime/identity';
import { getUserAdminService } from '../../shared/runtime/accounts';
import { getAutoApprovalService } from '../../shared/runtime/declarations';
import { listOpenAnomalies } from '../../shared/domain/payments/anomalies.repository';
import { getRuntime } from '../../shared/runtime/runtime';

assertBankConfigured(getConfig(), 'api');

export const routes = [
  bindRoute(listUsers, async ({ query }) => {
    const page = await getUserAdminService().list({ role: query.role, status: query.status, after: query.cursor, limit: query.limit });
    const last = page.users[page.users.length - 1];
    return {
      status: 200,
      body: { items: page.users.map(toUserBody), nextCursor: page.users.length === query.limit && last ? encodeCursor(last.email) : null, total: page.total },
    };
  }),
  bindRoute(updateUser, async ({ params, body }, ctx) => ({
    status: 200,
    body: toUserBody(await getUserAdminService().update(ctx.principal, params.id, body, ctx.ip)),
  })),
  bindRoute(listAuditLog, async ({ query }) => {
    const beforeId = query.cursor === undefined ? undefined : Number(query.cursor);
    const items = await getAuditLog().list(getRuntime().db, {
      limit: query.limit,
      ...(beforeId && Number.isInteger(beforeId) ? { beforeId } : {}),
      ...(query.action ? { action: query.action } : {}),
    });
    const last = items[items.length - 1];
    return { status: 200, body: { items, nextCursor: items.length === query.limit && last ? encodeCursor(String(last.id)) : null } };
  }),
  bindRoute(getAutoApproval, async ({ params }) => ({ status: 200, body: await getAutoApprovalService().get(params.code) })),
  bindRoute(setAutoApproval, async ({ params, body }, ctx) => ({
    status: 200,
    body: await getAutoApprovalService().set(ctx.principal, params.code, body.threshold, ctx.ip),
  })),
  bindRoute(listFlaggedServices, async ({ query }) => {
    const page = await catalog().listNotPayable({ lang: 'es', limit: query.limit, after: query.cursor });
    return { status: 200, body: { items: page.items, nextCursor: page.lastCode ? encodeCursor(page.lastCode) : null, total: page.total } };
  }),
  bindRoute(getReconciliation, async ({ query }) => ({
    status: 200,
    body: await reconcileDay(getRuntime().db, getBank(), query.date, getRuntime().clock.now()),
  })),
  bindRoute(listReconciliationRuns, async ({ query }) => {
    const { runs, total } = await listRuns(getRuntime().db, { from: query.from, to: query.to, before: query.cursor, limit: query.limit });
    const last = runs[runs.length - 1];
    return {
      status: 200,
      body: {
        items: runs.map((r) => ({ ...r, runAt: r.runAt.toISOString() })),
        nextCursor: runs.length === query.limit && last ? encodeCursor(last.date) : null,
        total,
      },
    };
  }),
  bindRoute(getRevenue, async ({ query }) => {
    const items = await revenueByMinistry(getRuntime().db, new Date(`${query.from}T00:00:00Z`), new Date(`${query.to}T00:00:00Z`), query.ministry);
    return { status: 200, body: { items, total: items.reduce((n, i) => n + i.net, 0) } };
  }),
  bindRoute(createRefund, async ({ body }, ctx) => ({
    status: 201,
    body: toPaymentBody(await getRefundService().refund(ctx.principal, body, ctx.ip, ctx.idempotencyKey)),
  })),
  bindRoute(listAnomalies, async ({ query }) => {
    const items = await listOpenAnomalies(getRuntime().db, query.limit);
    return { status: 200, body: { items: items.map((a) => ({ ...a, detectedAt: a.detectedAt.toISOString() })) } };
  }),
  bindRoute(listWebhooks, async ({ query }) => ({ status: 200, body: { items: await getReplayService().listWebhooks(query.status, query.limit) } })),
  bindRoute(replayWebhook, async ({ params }, ctx) => ({
    status: 200,
    body: { outcome: await getReplayService().replayWebhook(params.id, { actorId: ctx.principal.userId, ip: ctx.ip, via: 'api' }) },
  })),
  bindRoute(listDeadLetters, async ({ query }) => ({
    status: 200,
    body: { items: await getReplayService().listDeadLetters(query.open === 'true', query.limit) },
  })),
  bindRoute(replayDeadLetter, async ({ params }, ctx) => {
    await getReplayService().replayDeadLetter(params.id, { actorId: ctx.principal.userId, ip: ctx.ip, via: 'api' });
    return { status: 200, body: { replayed: true } };
  }),
];

export const definitions = [...adminRoutes, ...financeRoutes];

http('admin', createHttpFunction({ routes, ...pipeline }));
