/** The auth Cloud Function: accounts, sessions, password reset, JWKS. */
import { http } from '@google-cloud/functions-framework';
import { authRoutes, forgotPassword, jwks, login, logout, me, refresh, register, resetPassword } from '../../shared/api/auth.routes';
import { toUserBody } from '../../shared/api/identity.schemas';
import { eraseMyData, exportMyData, getPrivacyNotice, privacyRoutes } from '../../shared/api/privacy.routes';
import { privacyNotice } from '../../shared/domain/privacy/privacy-notice';
import { createHttpFunction } from '../../shared/http/http-function';
import { pipeline } from '../../shared/runtime/pipeline';
import { bindRoute } from '../../shared/http/request-context';
import { getKeyRing } from '../../shared/runtime/identity';
import { getAuthService } from '../../shared/runtime/accounts';
import { getPersonalDataService } from '../../shared/runtime/privacy';
import { getRuntime } from '../../shared/runtime/runtime';

const noStore = { 'Cache-Control': 'no-store' };

export const routes = [
  bindRoute(register, async ({ body }, ctx) => ({ status: 201, body: toUserBody(await getAuthService().register(body, { ip: ctx.ip })) })),
  bindRoute(login, async ({ body }, ctx) => ({ status: 200, headers: noStore, body: await getAuthService().login(body, { ip: ctx.ip }) })),
  bindRoute(refresh, async ({ body }, ctx) => ({ status: 200, headers: noStore, body: await getAuthService().refresh(body.refreshToken, { ip: ctx.ip }) })),
  bindRoute(logout, async ({ body }, ctx) => {
    await getAuthService().logout(body.refreshToken, { ip: ctx.ip });
    return { status: 204 };
  }),
  bindRoute(me, async (_input, ctx) => ({ status: 200, body: toUserBody(await getAuthService().me(ctx.principal.userId)) })),
  bindRoute(forgotPassword, async ({ body }, ctx) => {
    await getAuthService().forgotPassword(body.email, { ip: ctx.ip });
    return { status: 202, body: { status: 'accepted' } };
  }),
  bindRoute(resetPassword, async ({ body }, ctx) => {
    await getAuthService().resetPassword(body, { ip: ctx.ip });
    return { status: 204 };
  }),
  bindRoute(jwks, async () => ({ status: 200, headers: { 'Cache-Control': 'public, max-age=300' }, body: getKeyRing().jwks() })),
  bindRoute(getPrivacyNotice, async ({ query }) => ({
    status: 200,
    headers: { 'Cache-Control': 'public, max-age=3600' },
    body: privacyNotice(query.lang, getRuntime().config.retention),
  })),
  bindRoute(exportMyData, async (_input, ctx) => ({
    status: 200,
    headers: { ...noStore, 'Content-Disposition': 'attachment; filename="taxasge-my-data.json"' },
    body: await getPersonalDataService().export(ctx.principal.userId),
  })),
  bindRoute(eraseMyData, async ({ body }, ctx) => ({
    status: 200,
    headers: noStore,
    body: await getPersonalDataService().erase(ctx.principal.userId, body.password, { ip: ctx.ip }),
  })),
];

export const definitions = [...authRoutes, ...privacyRoutes];

http('auth', createHttpFunction({ routes, ...pipeline }));
