/** Mints the link of a password-reset request when its email is sent: only the token's hash is stored. */
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../../ports/database.port';
import type { Clock } from '../../ports/clock.port';
import { savePasswordResetToken } from './sessions.repository';

export const RESET_TOKEN_MINUTES = 60;

export function createPasswordResetLinks(deps: { db: Queryable; clock: Clock; resetUrl: string }) {
  /** A fresh single-use link for this request (valid an hour from now), or undefined when the request was used already. */
  return async (userId: string, requestId: string): Promise<{ link: string; expiresInMinutes: number } | undefined> => {
    const token = randomBytes(32).toString('base64url');
    const now = deps.clock.now();
    const saved = await savePasswordResetToken(deps.db, {
      id: requestId,
      userId,
      tokenHash: createHash('sha256').update(token, 'utf8').digest(),
      createdAt: now,
      expiresAt: new Date(now.getTime() + RESET_TOKEN_MINUTES * 60_000),
    });
    return saved ? { link: `${deps.resetUrl}#token=${token}`, expiresInMinutes: RESET_TOKEN_MINUTES } : undefined;
  };
}
