import { CompactSign } from 'jose';
import { createKeyRing, generateSigningKey } from '../identity/key-ring';
import { compactSignEd25519, RECEIPT_TYPE, verifyReceiptToken } from './receipts';

describe('receipt signatures', () => {
  const ring = createKeyRing([generateSigningKey('receipts-test-1')]);
  const claims = { number: 'REC-2026-00000001', taxpayer: { id: 'u1', name: 'Ana Nguema', taxId: null }, amount: 15000, currency: 'XAF', note: 'ñ €' };
  const header = { alg: 'EdDSA' as const, kid: ring.activeKid, typ: RECEIPT_TYPE };

  it('signs byte for byte as jose does (Ed25519 is deterministic)', async () => {
    const ours = compactSignEd25519(ring.signingKey, header, claims);
    const jose = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims))).setProtectedHeader(header).sign(ring.signingKey);
    expect(ours).toBe(jose);
  });

  it('verifies against the published keys, and an altered receipt does not', async () => {
    const token = compactSignEd25519(ring.signingKey, header, claims);
    expect(await verifyReceiptToken(token, ring.jwks())).toEqual({ valid: true, receipt: claims });
    const [h, , s] = token.split('.');
    const altered = `${h}.${Buffer.from(JSON.stringify({ ...claims, amount: 1 })).toString('base64url')}.${s}`;
    expect(await verifyReceiptToken(altered, ring.jwks())).toEqual({ valid: false, reason: 'the signature does not match: the receipt was altered' });
  });
});
