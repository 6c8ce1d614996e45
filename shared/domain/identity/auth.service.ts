/** Accounts and sessions: register, log in, rotate refresh tokens, log out, reset passwords. */
import { createHash, randomBytes } from 'node:crypto';
import type { Database, Queryable } from '../../ports/database.port';
import { AppError, NotFoundError, ValidationError } from '../../errors/app-error';
import type { Clock } from '../../ports/clock.port';
import type { IdGenerator } from '../../ports/ids.port';
import { enqueueEvent } from '../events/outbox.repository';
import type { OutboxEntry, OutboxPublisher } from '../../ports/outbox.port';
import { NOTICE_EVENT_SOURCE, PASSWORD_RESET_REQUESTED, type PasswordResetRequestedData } from '../events/notice-events';
import type { RateLimitRule, RateLimiter } from '../../ports/rate-limiter.port';
import type { AuditLog } from '../audit/audit-log';
import type { Language } from '../../ports/language';
import { InvalidTokenError, type AccessTokens } from './access-tokens';
import { hashPassword, verifyPassword } from './password';
import { passwordProblems } from './password-policy';
import * as sessions from './sessions.repository';
import type { User, UserWithSecret } from './user.types';
import { findUserByEmail, findUserById, insertUser, updatePasswordHash, withoutSecret } from './users.repository';

export const REFRESH_TOKEN_DAYS = 30;

export const LIMITS = {
  loginPerAccount: { name: 'login-account', max: 5, windowSeconds: 60 },
  loginPerIp: { name: 'login-ip', max: 30, windowSeconds: 60 },
  resetPerAccount: { name: 'reset-account', max: 5, windowSeconds: 3600 },
  resetPerIp: { name: 'reset-ip', max: 10, windowSeconds: 60 },
} satisfies Record<string, RateLimitRule>;

/** Registrations an address may attempt in an hour (configurable: RATE_LIMIT_REGISTRATIONS_PER_HOUR). */
export const DEFAULT_REGISTRATIONS_PER_HOUR = 20;

export interface AuthServiceDeps {
  db: Database;
  clock: Clock;
  ids: IdGenerator;
  tokens: AccessTokens;
  audit: AuditLog;
  limiter: RateLimiter;
  /** Publishes the password-reset request (topic notifications) once committed. */
  publisher: Pick<OutboxPublisher, 'publishCommitted'>;
  /** Bounds what register's "already exists" can reveal: that many addresses an hour per client address. */
  registrationsPerHour?: number;
  onLogin?: (outcome: 'success' | 'bad_credentials' | 'suspended' | 'rate_limited') => void;
  /** Each account registered, once committed (metrics: user_registrations). */
  onRegistration?: (accountType: Registration['accountType']) => void;
  /** Each spent refresh token presented again, once its family's revocation committed (metrics: refresh_token_reuse). */
  onRefreshTokenReuse?: () => void;
}

export interface RequestMeta {
  ip: string;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

export interface Registration {
  email: string;
  password: string;
  fullName: string;
  phone?: string | undefined;
  accountType: 'citizen' | 'business';
  taxId?: string | undefined;
  locale: Language;
}

const sha256 = (token: string) => createHash('sha256').update(token, 'utf8').digest();
const newSecret = () => randomBytes(32).toString('base64url');
// Compared against when the email is unknown, so a miss costs as much time as a wrong password.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

function rateLimited(retryAfterSeconds: number, what: string): AppError {
  return new AppError('rate_limited', `Too many ${what}; try again in ${retryAfterSeconds} s.`, undefined, { retryAfterSeconds });
}

export function createAuthService(deps: AuthServiceDeps) {
  const { db, clock, ids, tokens, audit, limiter } = deps;
  const registerPerIp: RateLimitRule = { name: 'register-ip', max: deps.registrationsPerHour ?? DEFAULT_REGISTRATIONS_PER_HOUR, windowSeconds: 3600 };

  async function issueSession(tx: Queryable, user: User, familyId = ids.uuid()): Promise<TokenPair> {
    const refreshToken = newSecret();
    const now = clock.now();
    await sessions.insertRefreshToken(tx, {
      id: ids.uuid(),
      familyId,
      userId: user.id,
      tokenHash: sha256(refreshToken),
      createdAt: now,
      expiresAt: new Date(now.getTime() + REFRESH_TOKEN_DAYS * 86_400_000),
    });
    const accessToken = await tokens.sign({ userId: user.id, role: user.role, ministries: user.ministries });
    return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: tokens.ttlSeconds };
  }

  async function assertNotLimited(rules: [RateLimitRule, string][], what: string) {
    for (const [rule, key] of rules) {
      const state = await limiter.peek(rule, key);
      if (state.limited) throw rateLimited(state.retryAfterSeconds, what);
    }
  }

  return {
    async register(input: Registration, meta: RequestMeta): Promise<User> {
      const email = input.email.trim().toLowerCase();
      const problems = passwordProblems(input.password, email);
      if (problems.length) {
        throw new ValidationError(
          `The password needs ${problems.join(', ')}.`,
          problems.map((p) => ({ path: 'body.password', message: `needs ${p}` })),
        );
      }
      if (input.accountType === 'business' && !input.taxId) {
        throw new ValidationError('A business account needs its NIF (taxId).', [{ path: 'body.taxId', message: 'required for a business account' }]);
      }
      // A registration must say when the address already has an account (the person then logs in or
      // resets), so each attempt is counted, atomically and before the hash, per client address: what
      // the 409 reveals is bounded to that many addresses an hour, in parallel as in sequence.
      const perIp = await limiter.hit(registerPerIp, meta.ip);
      if (perIp.limited) throw rateLimited(perIp.retryAfterSeconds, 'registrations from this address');
      const user: UserWithSecret = {
        id: ids.uuid(),
        email,
        passwordHash: await hashPassword(input.password),
        fullName: input.fullName.trim(),
        phone: input.phone ?? null,
        // The role follows the account type; it is never taken from the client.
        role: input.accountType,
        ministries: [],
        taxId: input.accountType === 'business' ? (input.taxId ?? null) : null,
        locale: input.locale,
        status: 'active',
        createdAt: clock.now(),
      };
      await db.transaction(async (tx) => {
        if (!(await insertUser(tx, user))) throw new AppError('email_taken', 'An account with this email already exists; log in or reset its password.');
        await audit.record(tx, {
          action: 'user.registered',
          actorId: user.id,
          actorEmail: email,
          target: `user:${user.id}`,
          ip: meta.ip,
          details: { role: user.role },
        });
      });
      deps.onRegistration?.(input.accountType);
      return withoutSecret(user);
    },

    async login(input: { email: string; password: string }, meta: RequestMeta): Promise<TokenPair> {
      const email = input.email.trim().toLowerCase();
      // Every attempt is counted (one atomic INCR per key) before the password is checked: parallel
      // guesses cannot all pass a read of the counter, and once limited even the right password waits.
      const [perAccount, perIp] = await Promise.all([limiter.hit(LIMITS.loginPerAccount, email), limiter.hit(LIMITS.loginPerIp, meta.ip)]);
      const limited = [perAccount, perIp].filter((state) => state.limited);
      if (limited.length) {
        deps.onLogin?.('rate_limited');
        throw rateLimited(Math.max(...limited.map((state) => state.retryAfterSeconds)), 'login attempts');
      }
      const user = await findUserByEmail(db, email);
      const ok = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_HASH);
      if (!user || !ok) {
        await db.transaction((tx) =>
          audit.record(tx, { action: 'login.failure', actorEmail: email, ip: meta.ip, details: { reason: user ? 'wrong_password' : 'unknown_email' } }),
        );
        deps.onLogin?.('bad_credentials');
        throw new AppError('unauthenticated', 'The email or password is not correct.');
      }
      if (user.status !== 'active') {
        await db.transaction((tx) =>
          audit.record(tx, { action: 'login.refused', actorId: user.id, actorEmail: email, ip: meta.ip, details: { reason: 'suspended' } }),
        );
        deps.onLogin?.('suspended');
        throw new AppError('forbidden', 'This account is suspended; contact the tax administration.');
      }
      const pair = await db.transaction(async (tx) => {
        await audit.record(tx, { action: 'login.success', actorId: user.id, actorEmail: email, ip: meta.ip });
        return issueSession(tx, user);
      });
      deps.onLogin?.('success');
      return pair;
    },

    async refresh(refreshToken: string, meta: RequestMeta): Promise<TokenPair> {
      const outcome = await db.transaction(async (tx): Promise<TokenPair | { refused: string; reuse?: true }> => {
        const row = await sessions.findRefreshTokenForUpdate(tx, sha256(refreshToken));
        const now = clock.now();
        if (!row || row.revoked_at) return { refused: 'The refresh token is not valid; log in again.' };
        if (row.used_at) {
          // A spent token presented again means it was copied: end every session of that family.
          await sessions.revokeFamily(tx, row.family_id, now);
          await audit.record(tx, {
            action: 'token.family_revoked',
            actorId: row.user_id,
            target: `family:${row.family_id}`,
            ip: meta.ip,
            details: { reason: 'refresh_token_reuse' },
          });
          return { refused: 'This refresh token was already used; every session it belongs to has been ended. Log in again.', reuse: true };
        }
        if (row.expires_at <= now) return { refused: 'The refresh token has expired; log in again.' };
        const user = await findUserById(tx, row.user_id);
        if (!user || user.status !== 'active') {
          await sessions.revokeFamily(tx, row.family_id, now);
          return { refused: 'This account cannot start sessions; log in again.' };
        }
        await sessions.markRefreshTokenUsed(tx, row.id, now);
        return issueSession(tx, user, row.family_id);
      });
      // Thrown after the transaction commits, so a revocation is kept (and counted).
      if ('refused' in outcome) {
        if (outcome.reuse) deps.onRefreshTokenReuse?.();
        throw new InvalidTokenError(outcome.refused);
      }
      return outcome;
    },

    async logout(refreshToken: string, meta: RequestMeta): Promise<void> {
      await db.transaction(async (tx) => {
        const row = await sessions.findRefreshTokenForUpdate(tx, sha256(refreshToken));
        if (!row) return;
        const revoked = await sessions.revokeFamily(tx, row.family_id, clock.now());
        if (revoked > 0) await audit.record(tx, { action: 'logout', actorId: row.user_id, target: `family:${row.family_id}`, ip: meta.ip });
      });
    },

    async me(userId: string): Promise<User> {
      const user = await findUserById(db, userId);
      if (!user) throw new NotFoundError('This account no longer exists.');
      return withoutSecret(user);
    },

    /**
     * Always 202 for the caller, in the same time whatever the address: it cannot tell which emails have
     * accounts, and a mail provider's trouble happens later, in the notifications consumer.
     */
    async forgotPassword(rawEmail: string, meta: RequestMeta): Promise<void> {
      const email = rawEmail.trim().toLowerCase();
      await assertNotLimited(
        [
          [LIMITS.resetPerAccount, email],
          [LIMITS.resetPerIp, meta.ip],
        ],
        'password reset requests',
      );
      await Promise.all([limiter.hit(LIMITS.resetPerAccount, email), limiter.hit(LIMITS.resetPerIp, meta.ip)]);
      // The same work whatever the address: no account lookup and no provider here. The notifications
      // consumer looks the address up, mints the link and sends it, like every other message.
      const now = clock.now();
      const data: PasswordResetRequestedData = { email, requestId: ids.uuid() };
      const entry: OutboxEntry = {
        topic: 'notifications',
        event: { id: ids.uuid(), type: PASSWORD_RESET_REQUESTED, source: NOTICE_EVENT_SOURCE, time: now.toISOString(), data },
      };
      await db.transaction(async (tx) => {
        await audit.record(tx, { action: 'password.reset_requested', actorEmail: email, ip: meta.ip });
        await enqueueEvent(tx, entry, now);
      });
      await deps.publisher.publishCommitted([entry]);
    },

    async resetPassword(input: { token: string; password: string }, meta: RequestMeta): Promise<void> {
      await assertNotLimited([[LIMITS.resetPerIp, meta.ip]], 'password reset attempts');
      await db.transaction(async (tx) => {
        const now = clock.now();
        const userId = await sessions.consumePasswordReset(tx, sha256(input.token), now);
        const user = userId ? await findUserById(tx, userId) : undefined;
        if (!user) {
          await limiter.hit(LIMITS.resetPerIp, meta.ip);
          throw new ValidationError('The reset token is not valid: it is unknown, already used or older than an hour. Request a new one.', [
            { path: 'body.token', message: 'unknown, used or expired' },
          ]);
        }
        const problems = passwordProblems(input.password, user.email);
        if (problems.length) {
          throw new ValidationError(
            `The password needs ${problems.join(', ')}.`,
            problems.map((p) => ({ path: 'body.password', message: `needs ${p}` })),
          );
        }
        await updatePasswordHash(tx, user.id, await hashPassword(input.password), now);
        const ended = await sessions.revokeAllForUser(tx, user.id, now);
        await audit.record(tx, { action: 'password.reset', actorId: user.id, actorEmail: user.email, ip: meta.ip, details: { sessionsEnded: ended } });
      });
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
