/**
 * Receipts anyone can verify: a numbered compact JWS (EdDSA, kid in the header) over who paid what,
 * when, and the bank transaction, with a QR code of it. The keys are at GET /api/v1/receipts/keys:
 * every key that ever signed a receipt (recorded with the receipt, kept for the 10 years fiscal
 * records are kept) plus the current signing keys. Not /.well-known/jwks.json, which drops a key
 * 15 minutes after its rotation so that the access tokens it signed stop verifying.
 */
import { sign, type KeyObject } from 'node:crypto';
import { compactVerify, decodeProtectedHeader, type JWK, importJWK } from 'jose';
import type { Queryable } from '../../ports/database.port';
import type { KeyRing, PublicJwk } from '../identity/key-ring';
import { listReceiptKeys, recordReceiptKey } from './receipt-keys.repository';
import type { ReceiptClaims } from './receipt.types';

export const RECEIPT_TYPE = 'taxasge-receipt+jws';

/** Kids this instance saw committed in receipt_keys, per key ring (one ring per runtime, so per database). */
const recordedKids = new WeakMap<KeyRing, Set<string>>();

/**
 * Signs a receipt with the ring's active key, and records that key's public half in receipt_keys in
 * `tx`, the transaction that stores the receipt: no receipt is committed without its key.
 */
export async function signReceipt(tx: Queryable, keys: KeyRing, claims: ReceiptClaims): Promise<string> {
  let recorded = recordedKids.get(keys);
  if (!recorded) recordedKids.set(keys, (recorded = new Set()));
  if (!recorded.has(keys.activeKid)) {
    const jwk = keys.jwks().keys.find((k) => k.kid === keys.activeKid);
    if (!jwk) throw new Error(`the key ring does not publish its active key ${keys.activeKid}`);
    // Remembered only once seen committed: a row this transaction inserted is gone if it rolls back.
    if ((await recordReceiptKey(tx, jwk, new Date(claims.issuedAt))) === 'committed') recorded.add(keys.activeKid);
  }
  return compactSignEd25519(keys.signingKey, { alg: 'EdDSA', kid: keys.activeKid, typ: RECEIPT_TYPE }, claims);
}

/**
 * A compact JWS (RFC 7515) signed with Ed25519 by node:crypto directly, byte for byte what jose's
 * CompactSign makes (Ed25519 is deterministic), without its WebCrypto round trip through the
 * thread pool: every applied payment signs one receipt.
 */
export function compactSignEd25519(key: KeyObject, header: { alg: 'EdDSA'; kid: string; typ: string }, payload: unknown): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
}

/**
 * The receipt keys document: every key that ever signed a receipt, then the ring's keys not among
 * them (they may sign the next one). Public members only. Where a kid is in both, the recorded key
 * wins: it is the one that signed receipts.
 */
export async function receiptVerificationKeys(db: Queryable, keys: KeyRing): Promise<{ keys: PublicJwk[] }> {
  const recorded = (await listReceiptKeys(db)).map(({ kty, crv, x, kid, alg, use }): PublicJwk => ({ kty, crv, x, kid, alg, use }));
  const kids = new Set(recorded.map((k) => k.kid));
  return { keys: [...recorded, ...keys.jwks().keys.filter((k) => !kids.has(k.kid))] };
}

/** Public receipt keys imported once per instance (a verification imported its key every time), keyed by the key material itself. */
const importedKeys = new Map<string, ReturnType<typeof importJWK>>();
const MAX_IMPORTED_KEYS = 64;

function verificationKey(jwk: JWK): ReturnType<typeof importJWK> {
  const id = JSON.stringify([jwk.kty, jwk.crv, jwk.x]);
  let key = importedKeys.get(id);
  if (!key) {
    if (importedKeys.size >= MAX_IMPORTED_KEYS) importedKeys.clear();
    key = importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }, 'EdDSA');
    // A key that fails to import is not kept: the next verification tries again.
    key.catch(() => importedKeys.delete(id));
    importedKeys.set(id, key);
  }
  return key;
}

export type VerifyOutcome = { valid: true; receipt: ReceiptClaims } | { valid: false; reason: string };

/** Offline verification: only the receipt keys document (GET /api/v1/receipts/keys) is needed. */
export async function verifyReceiptToken(token: string, jwks: { keys: (JWK & { kid?: string })[] }): Promise<VerifyOutcome> {
  let kid: string | undefined;
  try {
    const header = decodeProtectedHeader(token);
    if (header.alg !== 'EdDSA' || header.typ !== RECEIPT_TYPE) return { valid: false, reason: 'not a TaxasGE receipt' };
    kid = header.kid;
  } catch {
    return { valid: false, reason: 'not a signed receipt' };
  }
  const jwk = jwks.keys.find((k) => k.kid === kid);
  if (!jwk) return { valid: false, reason: 'signed with a key TaxasGE does not publish' };
  try {
    const { payload } = await compactVerify(token, await verificationKey(jwk), { algorithms: ['EdDSA'] });
    return { valid: true, receipt: JSON.parse(new TextDecoder().decode(payload)) as ReceiptClaims };
  } catch {
    return { valid: false, reason: 'the signature does not match: the receipt was altered' };
  }
}
