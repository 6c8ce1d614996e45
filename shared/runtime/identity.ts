/**
 * What every HTTP function's pipeline needs of identity, built once per runtime: keys, tokens, the
 * authenticator, rate limits, and the audit log. The account services are in runtime/accounts.ts, so
 * a function that only checks tokens bundles neither them nor the outbox they publish through.
 */
import { randomUUID } from 'node:crypto';
import { createCacheRateLimiter } from '../adapters/rate-limit/cache-rate-limiter';
import { createAuditLog } from '../domain/audit/audit-log';
import { createAccessTokens } from '../domain/identity/access-tokens';
import { createAuthenticator } from '../domain/identity/authenticator';
import { createKeyRing, generateSigningKey } from '../domain/identity/key-ring';
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
