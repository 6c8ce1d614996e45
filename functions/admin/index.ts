/** The admin Cloud Function: accounts and roles, the audit log, the catalog's open flags. */
import { http } from '@google-cloud/functions-framework';
import { adminRoutes, listAuditLog, listFlaggedServices, listUsers, updateUser } from '../../shared/api/admin.routes';
import { encodeCursor } from '../../shared/api/common.schemas';
import { toUserBody } from '../../shared/api/identity.schemas';
import { createCatalogService } from '../../shared/domain/catalog/catalog.service';
import { createUserAdminService } from '../../shared/domain/identity/user-admin.service';
import { createHttpFunction } from '../../shared/http/http-function';
import { bindRoute } from '../../shared/http/request-context';
import { getAuditLog } from '../../shared/runtime/identity';
import { getRuntime, perRuntime } from '../../shared/runtime/runtime';

const users = perRuntime((rt) =>
  createUserAdminService({
    db: rt.db,
    clock: rt.clock,
    cache: rt.cache,
    audit: getAuditLog(),
    knownMinistries: async () => new Set((await rt.db.query<{ code: string }>('SELECT code FROM ministries')).rows.map((r) => r.code)),
  }),
);
const catalog = perRuntime((rt) => createCatalogService({ db: rt.db, cache: rt.cache, logger: rt.logger, ttlSeconds: rt.config.cacheTtlSeconds }));

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
  bindRoute(listFlaggedServices, async ({ query }) => {
    const page = await catalog().listNotPayable({ lang: 'es', limit: query.limit, after: query.cursor });
    return { status: 200, body: { items: page.items, nextCursor: page.lastCode ? encodeCursor(page.lastCode) : null, total: page.total } };
  }),
];

export const definitions = adminRoutes;

http('admin', createHttpFunction({ routes, runtime: getRuntime }));
