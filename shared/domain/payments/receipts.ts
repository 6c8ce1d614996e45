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
import type { IdGenerator } from '../../ports/ids.port';
import type { KeyRing, PublicJwk } from '../identity/key-ring';
import { listReceiptKeys, recordReceiptKey } from './receipt-keys.repository';

export const RECEIPT_TYPE = 'taxasge-receipt+jws';

export interface ReceiptClaims {
  number: string;
  taxpayer: { id: string; name: string; taxId: string | null };
  declaration: { id: string; reference: string; kind: string; service: { code: string; name: string } | null; taxReturn: { type: string; period: string } | null };
  amount: number;
  currency: 'XAF';
  paidAt: string;
  bangeTransactionId: string;
  paymentReference: string;
  issuedAt: string;
}

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

/** What a receipt says about its payment, read with the receipt's number in one statement. */
export interface ReceiptFacts {
  number: string;
  paymentId: string;
  paymentReference: string;
  ownerId: string;
  taxpayer: { name: string; taxId: string | null };
  declaration: ReceiptClaims['declaration'];
}

/**
 * The payment, its declaration, the payer and the service name, and the next receipt number, in
 * one round trip (the receipt is on every payment's path: five statements were one each).
 */
export async function readReceiptFacts(tx: Queryable, paymentId: string, year: number): Promise<ReceiptFacts | undefined> {
  const { rows } = await tx.query<{
    n: string;
    payment_id: string;
    payment_reference: string;
    owner_id: string;
    full_name: string | null;
    tax_id: string | null;
    declaration_id: string;
    declaration_reference: string;
    kind: string;
    service_code: string | null;
    service_name: string | null;
    tax_type: string | null;
    period: string | null;
  }>(
    `SELECT nextval('receipt_number_seq') AS n, p.id AS payment_id, p.reference AS payment_reference, p.owner_id, u.full_name, u.tax_id,
            d.id AS declaration_id, d.reference AS declaration_reference, d.kind, d.service_code, s.name_es AS service_name, d.tax_type, d.period
       FROM payments p JOIN declarations d ON d.id = p.declaration_id
       LEFT JOIN users u ON u.id = p.owner_id LEFT JOIN fiscal_services s ON s.code = d.service_code
      WHERE p.id = $1`,
    [paymentId],
    'receipt_facts',
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    number: `REC-${year}-${r.n.padStart(8, '0')}`,
    paymentId: r.payment_id,
    paymentReference: r.payment_reference,
    ownerId: r.owner_id,
    taxpayer: { name: r.full_name ?? '', taxId: r.tax_id ?? null },
    declaration: {
      id: r.declaration_id,
      reference: r.declaration_reference,
      kind: r.kind,
      service: r.service_code ? { code: r.service_code, name: r.service_name ?? '' } : null,
      taxReturn: r.tax_type ? { type: r.tax_type, period: r.period! } : null,
    },
  };
}

export async function nextReceiptNumber(db: Queryable, year: number): Promise<string> {
  const { rows } = await db.query<{ n: string }>("SELECT nextval('receipt_number_seq') AS n");
  return `REC-${year}-${rows[0]!.n.padStart(8, '0')}`;
}

export interface StoredReceipt {
  id: string;
  number: string;
  paymentId: string;
  declarationId: string;
  token: string;
  issuedAt: Date;
  /** Set once the receipt's money went back (refunded): verification then says voided. */
  voidedAt?: Date | null;
}

/** Stores the receipt unless the payment already has one; returns the one that is stored. */
export async function storeReceipt(tx: Queryable, ids: IdGenerator, r: Omit<StoredReceipt, 'id'>): Promise<StoredReceipt> {
  const id = ids.uuid();
  const { rowCount } = await tx.query(
    'INSERT INTO receipts (id, number, payment_id, declaration_id, token, issued_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (payment_id) DO NOTHING',
    [id, r.number, r.paymentId, r.declarationId, r.token, r.issuedAt],
    'receipt_store',
  );
  // Stored now: it is what was given (a read back would only repeat it); else the payment had its receipt already.
  if (rowCount === 1) return { id, ...r, voidedAt: null };
  return (await findReceiptByPayment(tx, r.paymentId))!;
}

/** Voids the payment's receipt (its money went back); a receipt voided already keeps its first date. */
export async function voidReceipt(tx: Queryable, paymentId: string, reason: 'refunded', at: Date): Promise<void> {
  await tx.query('UPDATE receipts SET voided_at = $2, void_reason = $3 WHERE payment_id = $1 AND voided_at IS NULL', [paymentId, at, reason]);
}

export async function findReceiptByPayment(db: Queryable, paymentId: string): Promise<StoredReceipt | undefined> {
  const { rows } = await db.query<{ id: string; number: string; payment_id: string; declaration_id: string; token: string; issued_at: Date; voided_at: Date | null }>('SELECT * FROM receipts WHERE payment_id = $1', [paymentId]);
  const r = rows[0];
  return r ? { id: r.id, number: r.number, paymentId: r.payment_id, declarationId: r.declaration_id, token: r.token, issuedAt: r.issued_at, voidedAt: r.voided_at } : undefined;
}

export async function findReceiptByNumber(db: Queryable, number: string): Promise<StoredReceipt | undefined> {
  const { rows } = await db.query<{ id: string; number: string; payment_id: string; declaration_id: string; token: string; issued_at: Date }>('SELECT * FROM receipts WHERE number = $1', [number]);
  const r = rows[0];
  return r ? { id: r.id, number: r.number, paymentId: r.payment_id, declarationId: r.declaration_id, token: r.token, issuedAt: r.issued_at } : undefined;
}
