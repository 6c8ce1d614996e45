/**
 * Receipts outlive their signing key: a receipt signed with key A still verifies (online, and offline
 * against GET /api/v1/receipts/keys) after A left AUTH_SIGNING_KEYS, while access tokens signed
 * with A stop verifying.
 */
import { CompactSign, type JWK } from 'jose';
import request from 'supertest';
import { createAccessTokens } from '../shared/domain/identity/access-tokens';
import { createKeyRing, generateSigningKey } from '../shared/domain/identity/key-ring';
import { recordReceiptKey } from '../shared/domain/payments/receipt-keys.repository';
import type { ReceiptClaims } from '../shared/domain/payments/receipt.types';
import { RECEIPT_TYPE, receiptVerificationKeys, signReceipt, verifyReceiptToken } from '../shared/domain/payments/receipts';
import { aPayment, settle } from './support/payment-fixtures';
import { createRuntime, setRuntime } from '../shared/runtime/runtime';
import type { SigningKey } from '../shared/domain/identity/key-ring';
import { anAccount, reissue, type CreatedAccount } from './support/auth-fixtures';
import { createTestApp, type TestApp } from './support/test-app';

const keyA = generateSigningKey('receipts-a');
const keyB = generateSigningKey('receipts-b');
const keyC = generateSigningKey('never-signed-a-receipt');

let app: TestApp;
let citizen: CreatedAccount;

beforeAll(async () => {
  app = await createTestApp({ listen: true, env: { RATE_LIMIT_PUBLIC_PER_MINUTE: '100000', AUTH_SIGNING_KEYS: JSON.stringify([keyA]) } });
  citizen = await anAccount().create(app);
});
afterAll(() => app.close());

const api = () => request(app.server);
const auth = (r: request.Test) => r.set('Authorization', `Bearer ${citizen.accessToken}`);

/** The same instance after a deploy with other AUTH_SIGNING_KEYS: same database, clock and cache, a new runtime. */
function deployWithKeys(keys: SigningKey[]) {
  const rt = app.runtime;
  setRuntime(
    createRuntime(
      { ...rt.config, auth: { ...rt.config.auth, signingKeys: keys } },
      { db: rt.db, clock: rt.clock, logger: rt.logger, cache: rt.cache, storage: rt.storage, ids: rt.ids },
    ),
  );
}

async function paidReceipt(serviceCode: string): Promise<{ token: string; number: string }> {
  const { payment } = await aPayment().forService(serviceCode).create(app, citizen);
  await api()
    .post(`${new URL(payment.checkoutUrl).pathname}/pay`)
    .expect((r) => expect(r.status).toBeLessThan(300));
  await settle(app);
  const { body } = await auth(api().get(`/api/v1/payments/${payment.id}/receipt`)).expect(200);
  return { token: body.token, number: body.number };
}

/** An access token signed with `key`, as an instance still holding it would have signed it. */
function accessTokenSignedBy(key: SigningKey): Promise<string> {
  const rt = app.runtime;
  return createAccessTokens({ keys: createKeyRing([key]), issuer: rt.config.auth.issuer, audience: rt.config.auth.audience, clock: rt.clock }).sign({
    userId: citizen.id,
    role: 'citizen',
    ministries: [],
  });
}

const kidOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
const receiptKeys = async () => (await api().get('/api/v1/receipts/keys').expect(200)).body as { keys: (JWK & { kid: string })[] };
const verifyOnline = async (token: string) =>
  (await api().post('/api/v1/receipts/verify').send({ token }).expect(200)).body as { valid: boolean; reason?: string; receipt?: ReceiptClaims };

function tamper(token: string): string {
  const [h, p, s] = token.split('.');
  const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as ReceiptClaims;
  return `${h}.${Buffer.from(JSON.stringify({ ...claims, amount: claims.amount * 10 })).toString('base64url')}.${s}`;
}

describe('receipts stay verifiable after their signing key is rotated out', () => {
  let receiptA: { token: string; number: string };
  let receiptB: { token: string; number: string };

  it('records the signing key of each receipt once, public members only', async () => {
    receiptA = await paidReceipt('T-001');
    await paidReceipt('T-002');
    expect(kidOf(receiptA.token)).toBe(keyA.kid);
    const { rows } = await app.database.db.query<{ kid: string; public_jwk: Record<string, unknown>; retired_at: Date | null }>(
      'SELECT kid, public_jwk, retired_at FROM receipt_keys',
    );
    expect(rows).toEqual([{ kid: keyA.kid, public_jwk: { kty: 'OKP', crv: 'Ed25519', x: keyA.x, kid: keyA.kid, alg: 'EdDSA', use: 'sig' }, retired_at: null }]);
  });

  it('verifies a receipt signed with a key that left AUTH_SIGNING_KEYS, online and offline, while tokens of that key stop verifying', async () => {
    // Rotation as documented: prepend B (it signs from this deploy, A still verifies)...
    deployWithKeys([keyB, keyA]);
    receiptB = await paidReceipt('T-003');
    expect(kidOf(receiptB.token)).toBe(keyB.kid);
    // ...then remove A entirely: a new instance knows only B.
    deployWithKeys([keyB]);

    const online = await verifyOnline(receiptA.token);
    expect(online).toMatchObject({ valid: true, receipt: { number: receiptA.number, amount: 2000, currency: 'XAF' } });
    expect((await verifyOnline(receiptB.token)).valid).toBe(true);

    const published = await receiptKeys();
    expect(published.keys.map((k) => k.kid).sort()).toEqual([keyA.kid, keyB.kid].sort());
    const offline = await verifyReceiptToken(receiptA.token, published);
    expect(offline).toMatchObject({ valid: true, receipt: { number: receiptA.number } });
    expect(online.receipt).toEqual(offline.valid ? offline.receipt : undefined);
    expect(await verifyReceiptToken(receiptB.token, published)).toMatchObject({ valid: true });

    // The owner still reads the receipt's content through the API.
    await reissue(citizen);
    const { rows } = await app.database.db.query<{ payment_id: string }>('SELECT payment_id FROM receipts WHERE number = $1', [receiptA.number]);
    const read = await auth(api().get(`/api/v1/payments/${rows[0]!.payment_id}/receipt`)).expect(200);
    expect(read.body.receipt).toMatchObject({ number: receiptA.number });

    // The access-token JWKS is unchanged: A is gone from it, so access tokens A signed are refused.
    const jwks = (await api().get('/.well-known/jwks.json').expect(200)).body as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([keyB.kid]);
    const tokenOfA = await accessTokenSignedBy(keyA);
    await api().get('/api/v1/auth/me').set('Authorization', `Bearer ${tokenOfA}`).expect(401);
  });

  it('refuses a receipt altered after signing, online and offline', async () => {
    const published = await receiptKeys();
    for (const token of [tamper(receiptA.token), tamper(receiptB.token)]) {
      expect(await verifyOnline(token)).toEqual({ valid: false, reason: expect.stringMatching(/altered/) });
      expect(await verifyReceiptToken(token, published)).toEqual({ valid: false, reason: expect.stringMatching(/altered/) });
    }
  });

  it('never publishes a private key member, and caches the document briefly', async () => {
    const res = await api().get('/api/v1/receipts/keys').expect(200);
    expect(res.headers['cache-control']).toMatch(/^public, max-age=\d{1,3}$/);
    expect(res.body.keys.length).toBeGreaterThan(0);
    for (const key of res.body.keys as Record<string, unknown>[]) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x']);
    }
    expect(res.text).not.toMatch(/"d"/);
    for (const secret of [keyA.d, keyB.d]) expect(res.text).not.toContain(secret);
    const { rows } = await app.database.db.query(
      "SELECT count(*)::int AS n FROM receipt_keys WHERE public_jwk ? 'd' OR public_jwk::text LIKE '%' || $1 || '%' OR public_jwk::text LIKE '%' || $2 || '%'",
      [keyA.d, keyB.d],
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('refuses a receipt signed by a key that never signed a receipt and is not a signing key, even one carrying its own key', async () => {
    const claims = JSON.parse(Buffer.from(receiptA.token.split('.')[1]!, 'base64url').toString()) as ReceiptClaims;
    const ringC = createKeyRing([keyC]);
    const embedded = ringC.jwks().keys[0]!;
    for (const header of [
      { alg: 'EdDSA', kid: keyC.kid, typ: RECEIPT_TYPE },
      { alg: 'EdDSA', kid: keyC.kid, typ: RECEIPT_TYPE, jwk: { kty: embedded.kty, crv: embedded.crv, x: embedded.x } },
    ]) {
      const forged = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims))).setProtectedHeader(header).sign(ringC.signingKey);
      expect(await verifyOnline(forged)).toEqual({ valid: false, reason: 'signed with a key TaxasGE does not publish' });
      expect(await verifyReceiptToken(forged, await receiptKeys())).toEqual({ valid: false, reason: 'signed with a key TaxasGE does not publish' });
    }
    // Signed by C but claiming to be A's: the signature does not hold.
    const spoofed = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: 'EdDSA', kid: keyA.kid, typ: RECEIPT_TYPE })
      .sign(ringC.signingKey);
    expect(await verifyOnline(spoofed)).toEqual({ valid: false, reason: expect.stringMatching(/altered/) });
  });
});

describe('recording receipt keys', () => {
  const claims = (number: string): ReceiptClaims => ({
    number,
    taxpayer: { id: 'x', name: 'x', taxId: null },
    declaration: { id: 'x', reference: 'x', kind: 'service_fee', service: null, taxReturn: null },
    amount: 1,
    currency: 'XAF',
    paidAt: '2026-01-15T09:00:00.000Z',
    bangeTransactionId: 'x',
    paymentReference: 'x',
    issuedAt: '2026-01-15T09:00:00.000Z',
  });
  const recorded = async (kid: string) => (await app.database.db.query('SELECT 1 FROM receipt_keys WHERE kid = $1', [kid])).rowCount;

  it('records the key again when the receipt transaction that first recorded it rolled back', async () => {
    const ring = createKeyRing([generateSigningKey('rolled-back')]);
    await expect(
      app.database.db.transaction(async (tx) => {
        await signReceipt(tx, ring, claims('REC-TEST-1'));
        await signReceipt(tx, ring, claims('REC-TEST-2')); // its own uncommitted row: not to be remembered as recorded
        throw new Error('the receipt could not be stored');
      }),
    ).rejects.toThrow('could not be stored');
    expect(await recorded('rolled-back')).toBe(0);
    await app.database.db.transaction((tx) => signReceipt(tx, ring, claims('REC-TEST-3')));
    expect(await recorded('rolled-back')).toBe(1);
    expect((await receiptVerificationKeys(app.database.db, createKeyRing([keyB]))).keys.map((k) => k.kid)).toContain('rolled-back');
  });

  it('refuses a kid that is recorded with other key material, and any change or removal of a recorded key', async () => {
    const other = createKeyRing([generateSigningKey(keyA.kid)]);
    await expect(app.database.db.transaction((tx) => signReceipt(tx, other, claims('REC-TEST-4')))).rejects.toThrow(/other key material/);
    await expect(app.database.db.transaction((tx) => recordReceiptKey(tx, other.jwks().keys[0]!, new Date()))).rejects.toThrow(/other key material/);
    await expect(app.database.db.query('DELETE FROM receipt_keys')).rejects.toThrow(/kept forever/);
    await expect(app.database.db.query(`UPDATE receipt_keys SET public_jwk = jsonb_set(public_jwk, '{x}', '"AAAA"')`)).rejects.toThrow(/kept forever/);
    await expect(
      app.database.db.query(`INSERT INTO receipt_keys (kid, public_jwk, first_used_at) VALUES ('leaky', $1, now())`, [
        JSON.stringify({ ...keyC, kid: 'leaky' }),
      ]),
    ).rejects.toThrow(/receipt_keys_public_jwk_only/);
    await app.database.db.query("UPDATE receipt_keys SET retired_at = first_used_at + interval '15 minutes' WHERE kid = $1", [keyA.kid]);
    expect((await receiptKeys()).keys.map((k) => k.kid)).toContain(keyA.kid);
  });
});
