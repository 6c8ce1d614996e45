/**
 * Turns a bearer token into a Principal. The signature proves the token; the account's current
 * status and role (cached briefly) decide, so suspension and role changes apply before expiry.
 */
import type { Queryable } from '../../ports/database.port';
import type { Logger } from '../../ports/logger.port';
import type { Cache } from '../../ports/cache.port';
import { InvalidTokenError, type AccessTokens } from './access-tokens';
import type { Principal } from './principal';
import { findAccountState, type AccountState } from './users.repository';

export const ACCOUNT_CACHE_SECONDS = 30;
export const accountCacheKey = (userId: string) => `account:${userId}`;

export function createAuthenticator(deps: { tokens: AccessTokens; db: Queryable; cache: Cache; logger: Logger }) {
  async function accountState(userId: string): Promise<AccountState | undefined> {
    const key = accountCacheKey(userId);
    try {
      const hit = await deps.cache.get<AccountState>(key);
      if (hit) return hit;
    } catch (err) {
      deps.logger.warning('cache read failed; checking the account in the database', { err });
    }
    const state = await findAccountState(deps.db, userId);
    if (state) deps.cache.set(key, state, ACCOUNT_CACHE_SECONDS).catch(() => undefined);
    return state;
  }

  return async function authenticate(token: string): Promise<Principal> {
    const claims = await deps.tokens.verify(token);
    const state = await accountState(claims.userId);
    if (!state) throw new InvalidTokenError('The account of this token no longer exists.');
    if (state.status !== 'active') throw new InvalidTokenError('This account is suspended.');
    return { userId: claims.userId, role: state.role, ministries: state.ministries };
  };
}

export type Authenticate = ReturnType<typeof createAuthenticator>;
