/** Account services built once per runtime: registration, sessions and password reset (the auth function), user administration (admin). */
import { listMinistryCodes } from '../domain/catalog/catalog.repository';
import { createAuthService } from '../domain/identity/auth.service';
import { createUserAdminService } from '../domain/identity/user-admin.service';
import { getOutboxPublisher } from './bus';
import { getAccessTokens, getAuditLog, getRateLimiter } from './identity';
import { perRuntime } from './runtime';

export const getAuthService = perRuntime((rt) =>
  createAuthService({
    db: rt.db,
    clock: rt.clock,
    ids: rt.ids,
    tokens: getAccessTokens(),
    audit: getAuditLog(),
    limiter: getRateLimiter(),
    publisher: { publishCommitted: (entries) => getOutboxPublisher().publishCommitted(entries) },
    registrationsPerHour: rt.config.rateLimitRegistrationsPerHour,
    onLogin: (outcome) => rt.metrics().recorder.increment('login_attempts', { outcome }),
    onRegistration: (accountType) => rt.metrics().recorder.increment('user_registrations', { account_type: accountType }),
    onRefreshTokenReuse: () => rt.metrics().recorder.increment('refresh_token_reuse', {}),
  }),
);

export const getUserAdminService = perRuntime((rt) =>
  createUserAdminService({
    db: rt.db,
    clock: rt.clock,
    cache: rt.cache,
    audit: getAuditLog(),
    knownMinistries: async () => new Set(await listMinistryCodes(rt.db)),
  }),
);
