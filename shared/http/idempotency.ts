/**
 * The Idempotency-Key rule: the first response to (caller, operation, key) is kept for 24 h; the same
 * key with the same body replays it, with another body answers 409 idempotency_key_reused, and while the first request is
 * still running answers 409 idempotency_key_in_progress. A request that fails is forgotten, so it can be retried.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../ports/database.port';
import { AppError, ValidationError } from '../errors/app-error';
import type { Clock } from '../ports/clock.port';
import { canonicalJson, NestingTooDeep } from '../domain/canonical-json';
import { claimKey, deleteExpiredKey, findStoredAnswer, releaseUnansweredKey, storeAnswer } from './idempotency.repository';

export const IDEMPOTENCY_HOURS = 24;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export type Begin = { kind: 'new' } | { kind: 'replay'; status: number; body: unknown };

/** Deeper bodies are refused (400) rather than recursed into until the stack runs out (500). */
export const MAX_BODY_DEPTH = 100;

function canonical(body: unknown): string {
  try {
    return canonicalJson(body, MAX_BODY_DEPTH);
  } catch (err) {
    if (err instanceof NestingTooDeep)
      throw new ValidationError(`The request body is nested more than ${MAX_BODY_DEPTH} levels deep.`, [
        { path: 'body', message: `nested more than ${MAX_BODY_DEPTH} levels deep` },
      ]);
    throw err;
  }
}

export function parseIdempotencyKey(header: string | string[] | undefined, required: boolean): string | undefined {
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined || key === '') {
    if (required)
      throw new ValidationError('This request needs an Idempotency-Key header (e.g. a UUID you keep for retries).', [
        { path: 'headers.idempotency-key', message: 'required' },
      ]);
    return undefined;
  }
  if (!KEY_PATTERN.test(key))
    throw new ValidationError('Idempotency-Key must be 1 to 255 visible ASCII characters.', [
      { path: 'headers.idempotency-key', message: 'expected 1 to 255 visible ASCII characters' },
    ]);
  return key;
}

export function createIdempotencyStore(deps: { db: Queryable; clock: Clock }) {
  return {
    async begin(principalId: string, operation: string, key: string, body: unknown): Promise<Begin> {
      const ref = { principalId, operation, key };
      const hash = createHash('sha256').update(canonical(body)).digest();
      const now = deps.clock.now();
      const expires = new Date(now.getTime() + IDEMPOTENCY_HOURS * 3_600_000);
      // An expired record no longer binds the key.
      await deleteExpiredKey(deps.db, ref, now);
      if (await claimKey(deps.db, ref, hash, now, expires)) return { kind: 'new' };
      const stored = await findStoredAnswer(deps.db, ref);
      if (!stored) return this.begin(principalId, operation, key, body);
      if (!stored.requestHash.equals(hash)) {
        throw new AppError('idempotency_key_reused', 'This Idempotency-Key was already used with a different request body; use a new key for a new request.');
      }
      if (stored.statusCode === null)
        throw new AppError('idempotency_key_in_progress', 'A request with this Idempotency-Key is still being processed; retry in a moment.', undefined, {
          retryAfterSeconds: 1,
        });
      return { kind: 'replay', status: stored.statusCode, body: stored.response };
    },

    async complete(principalId: string, operation: string, key: string, status: number, response: unknown): Promise<void> {
      await storeAnswer(deps.db, { principalId, operation, key }, status, response);
    },

    async abandon(principalId: string, operation: string, key: string): Promise<void> {
      await releaseUnansweredKey(deps.db, { principalId, operation, key });
    },
  };
}
