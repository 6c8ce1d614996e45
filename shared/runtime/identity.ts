/** Identity services built once per runtime: keys, tokens, the authenticator, rate limits, audit, accounts. */
import { randomUUID } from 'node:crypto';
import { createCacheRateLimiter } from '../adapters/rate-limit/cache-rate-limiter';
import { createAuditLog } from '../domain/audit/audit-log';
import { createAccessTokens } from '../domain/identity/access-tokens';
import { createAuthService } from '../domain/identity/auth.service';
import { createAuthenticator } from '../domain/identity/authenticator';
import { createUserAdminService } from '../domain/identity/user-admin.service';
import { listMinistryCodes } from '../domain/catalog/catalog.repository';
import { createKeyRing, generateSigningKey } from '../domain/identity/key-ring';
import { getOutboxPublisher } from './bus';
import { perRuntime } from './runtime';

export const getKeyRing = perRuntime((rt) =>
  // Configuration requires keys in staging and production; elsewhere a process-local key will do.
  createKeyRing(rt.config.auth.signingKeys ?? [generateSigningKey(`ephemeral-${randomUUID().slice(0, 8)}`)]),
);

export const getAccessTokens = perRuntime((rt) =>
  createAccessTokens({ keys: getKeyRing(), issuer: rt.config.auth.issuer, audience: rt.config.auth.audience, clock: rt.clock }),
);

export const getAuthenticator = perRuntime((rt) => createAuthenticator({ tokens: getAccessTokens(), db: rt.db, cache: rt.cache, logger: rt.logger }));

export const getRateLimiter = perRuntime((rt) => createCacheRateLimiter({ cache: rt.cache, clock: rt.clock, logger: rt.logger }));

export const getAuditLog = perRuntime((rt) => createAuditLog({ clock: rt.clock }));

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
