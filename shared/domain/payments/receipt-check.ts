/**
 * What a printed receipt's QR code leads to: the receipt number and a compact signature in a short
 * verification URL. The compact signature is the first 16 bytes (22 base64url characters) of the
 * receipt JWS's Ed25519 signature: the page verifies the whole stored token against the receipt keys,
 * and the 128 bits bind the paper to that token (nobody without the receipt can produce them for a
 * number). The full 64 bytes would add 64 characters and make the code version 8 instead of 5.
 * Checking also says whether the receipt still stands or was voided (its money went back).
 */
import type { JWK } from 'jose';
import type { Queryable } from '../../ports/database.port';
import type { ReceiptClaims } from './receipt.types';
import { verifyReceiptToken } from './receipts';
import { findForCheck, type StoredForCheck } from './receipts.repository';

export const RECEIPT_NUMBER = /^REC-\d{4}-\d{8}$/;

/** The compact signature a QR code carries: the first 16 bytes of the receipt's JWS signature, base64url. */
export const compactSignature = (token: string): string =>
  Buffer.from(token.split('.')[2] ?? '', 'base64url')
    .subarray(0, 16)
    .toString('base64url');

/** The URL a receipt's QR code holds: 77 characters for https://taxasge.gq (QR version 5 at level M, 37×37 modules). */
export const receiptCheckUrl = (publicBaseUrl: string, number: string, token: string): string =>
  `${publicBaseUrl.replace(/\/$/, '')}/api/v1/receipts/${number}?s=${compactSignature(token)}`;

export type ReceiptStanding =
  | { valid: true; status: 'valid'; receipt: ReceiptClaims; message: string }
  | { valid: true; status: 'voided'; voidedAt: string; voidReason: 'refunded'; receipt: ReceiptClaims; message: string }
  | { valid: false; reason: string };

/** The standing of a stored receipt whose token verified: valid, or voided with its date and reason. */
function standing(stored: StoredForCheck, receipt: ReceiptClaims): ReceiptStanding {
  if (stored.voided_at && stored.void_reason) {
    const day = stored.voided_at.toISOString().slice(0, 10);
    return {
      valid: true,
      status: 'voided',
      voidedAt: stored.voided_at.toISOString(),
      voidReason: stored.void_reason,
      receipt,
      message: `valid signature, receipt voided on ${day}: ${stored.void_reason}`,
    };
  }
  return { valid: true, status: 'valid', receipt, message: 'valid signature, receipt valid' };
}

/** A whole token (POST /api/v1/receipts/verify): its signature, then the very token stored under its number, then its standing. */
export async function checkReceiptToken(db: Queryable, token: string, jwks: { keys: (JWK & { kid?: string })[] }): Promise<ReceiptStanding> {
  const verdict = await verifyReceiptToken(token, jwks);
  if (!verdict.valid) return verdict;
  // A genuine signature over a receipt this platform never stored is still not a receipt.
  const stored = await findForCheck(db, verdict.receipt.number);
  if (!stored || stored.token !== token) return { valid: false, reason: 'unknown receipt number' };
  return standing(stored, verdict.receipt);
}

/** A QR code's number and compact signature: the stored receipt must verify and carry that signature. */
export async function checkReceiptNumber(
  db: Queryable,
  number: string,
  signature: string,
  jwks: { keys: (JWK & { kid?: string })[] },
): Promise<ReceiptStanding> {
  if (!RECEIPT_NUMBER.test(number)) return { valid: false, reason: 'not a receipt number' };
  const stored = await findForCheck(db, number);
  if (!stored) return { valid: false, reason: 'unknown receipt number' };
  if (compactSignature(stored.token) !== signature) return { valid: false, reason: 'the signature does not match: the receipt was altered' };
  const verdict = await verifyReceiptToken(stored.token, jwks);
  if (!verdict.valid) return verdict;
  return standing(stored, verdict.receipt);
}
