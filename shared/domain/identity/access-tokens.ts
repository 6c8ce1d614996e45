/** Short-lived access tokens: EdDSA JWTs with kid, issuer and audience, verified with the algorithm pinned. */
import { randomUUID } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose';
import { AppError } from '../../errors/app-error';
import type { Role } from './roles';
import type { Clock } from '../../ports/clock.port';
import type { KeyRing } from './key-ring';

export const ACCESS_TOKEN_SECONDS = 15 * 60;
/** How far apart the signer's and the verifier's clocks may be. */
export const CLOCK_SKEW_SECONDS = 5;

export interface AccessClaims {
  userId: string;
  role: Role;
  ministries: string[];
}

export interface AccessTokensDeps {
  keys: KeyRing;
  issuer: string;
  audience: string;
  clock: Clock;
  ttlSeconds?: number;
}

export class InvalidTokenError extends AppError {
  constructor(detail: string) {
    super('unauthenticated', detail, undefined, { bearerChallenge: { error: 'invalid_token' } });
    this.name = 'InvalidTokenError';
  }
}

export function createAccessTokens(deps: AccessTokensDeps) {
  const ttl = deps.ttlSeconds ?? ACCESS_TOKEN_SECONDS;
  return {
    ttlSeconds: ttl,

    async sign(claims: AccessClaims): Promise<string> {
      const now = Math.floor(deps.clock.now().getTime() / 1000);
      return new SignJWT({ role: claims.role, ministries: claims.ministries })
        .setProtectedHeader({ alg: 'EdDSA', kid: deps.keys.activeKid, typ: 'at+jwt' })
        .setIssuer(deps.issuer)
        .setAudience(deps.audience)
        .setSubject(claims.userId)
        .setJti(randomUUID())
        .setIssuedAt(now)
        .setExpirationTime(now + ttl)
        .sign(deps.keys.signingKey);
    },

    async verify(token: string): Promise<AccessClaims> {
      let kid: string | undefined;
      try {
        kid = decodeProtectedHeader(token).kid;
      } catch {
        throw new InvalidTokenError('The access token is not a JWT.');
      }
      const key = deps.keys.verificationKey(kid);
      if (!key) throw new InvalidTokenError('The access token was signed with a key this service does not know.');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, key, {
          algorithms: ['EdDSA'],
          issuer: deps.issuer,
          audience: deps.audience,
          typ: 'at+jwt',
          currentDate: deps.clock.now(),
          clockTolerance: CLOCK_SKEW_SECONDS,
          // Refuses an iat in the future too, and one older than any token this service issues.
          maxTokenAge: ttl,
          requiredClaims: ['sub', 'exp', 'iat'],
        }));
      } catch (err) {
        if (err instanceof joseErrors.JWTExpired) throw new InvalidTokenError('The access token has expired; refresh it.');
        if (err instanceof joseErrors.JWTClaimValidationFailed) throw new InvalidTokenError(`The access token's ${err.claim} claim is not valid here.`);
        throw new InvalidTokenError('The access token is not valid.');
      }
      // A correctly signed token that lives longer than this service issues them (a leaked key, a
      // misconfigured signer) is refused: its lifetime is bounded here, not only by whoever signed it.
      if (payload.exp! - payload.iat! > ttl + CLOCK_SKEW_SECONDS)
        throw new InvalidTokenError(`The access token lives longer than the ${ttl} s this service issues them for.`);
      return { userId: payload.sub!, role: payload.role as Role, ministries: (payload.ministries as string[] | undefined) ?? [] };
    },
  };
}

export type AccessTokens = ReturnType<typeof createAccessTokens>;
