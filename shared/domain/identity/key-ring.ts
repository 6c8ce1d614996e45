/** Ed25519 signing keys by kid: the first signs, every one verifies, the public halves form the JWKS. */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

/** An Ed25519 private key as a JWK, as SIGNING_KEYS carries it. */
export type SigningKey = { kty: 'OKP'; crv: 'Ed25519'; kid: string; x: string; d: string };

export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

export interface KeyRing {
  activeKid: string;
  signingKey: KeyObject;
  /** Public key for a kid, or undefined when the kid is unknown (never fall back to another key). */
  verificationKey(kid: string | undefined): KeyObject | undefined;
  jwks(): { keys: PublicJwk[] };
}

/** A fresh key for development and tests, in the same JWK shape the configuration takes. */
export function generateSigningKey(kid: string): SigningKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' }) as { x: string; d: string };
  return { kty: 'OKP', crv: 'Ed25519', kid, x: jwk.x, d: jwk.d };
}

export function createKeyRing(keys: SigningKey[]): KeyRing {
  if (keys.length === 0) throw new Error('a key ring needs at least one signing key');
  const entries = keys.map((k) => {
    const privateKey = createPrivateKey({ key: { kty: k.kty, crv: k.crv, x: k.x, d: k.d }, format: 'jwk' });
    return { kid: k.kid, privateKey, publicKey: createPublicKey(privateKey), x: k.x };
  });
  const byKid = new Map(entries.map((e) => [e.kid, e]));
  const active = entries[0]!;
  const jwks = { keys: entries.map((e): PublicJwk => ({ kty: 'OKP', crv: 'Ed25519', x: e.x, kid: e.kid, alg: 'EdDSA', use: 'sig' })) };
  return {
    activeKid: active.kid,
    signingKey: active.privateKey,
    verificationKey: (kid) => (kid === undefined ? undefined : byKid.get(kid)?.publicKey),
    jwks: () => jwks,
  };
}
