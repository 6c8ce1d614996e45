import crypto, { createHmac } from 'node:crypto';
import {
  computeBangeSignature,
  signBangePayload,
  verifyBangeSignature,
  WebhookSignatureError,
  type VerifyBangeSignatureInput,
  type WebhookSignatureReason,
} from './bange-signature';

const SECRET = 'whsec_test_0123456789abcdef';
const OLD_SECRET = 'whsec_old_fedcba9876543210';
const NOW = new Date('2026-01-15T09:00:00.000Z');
const T = NOW.getTime() / 1000;
const BODY =
  '{"id":"evt_1","type":"payment.succeeded","createdAt":"2026-01-15T09:00:00.000Z","data":{"transactionId":"pay_1","reference":"PAY-2026-000001","amount":150000,"currency":"XAF","method":"bange_card","paidAt":"2026-01-15T09:00:00.000Z"}}';
const hmac = (body: string, secret = SECRET, t = T) => createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
const GOOD = hmac(BODY);

describe('signBangePayload', () => {
  it('is t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>', () => {
    expect(signBangePayload(BODY, SECRET, T)).toBe(`t=${T},v1=${GOOD}`);
    expect(signBangePayload(Buffer.from(BODY), SECRET, T)).toBe(`t=${T},v1=${GOOD}`);
    expect(computeBangeSignature(BODY, SECRET, T)).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([[1.5], [-1], [Number.NaN]])('refuses the timestamp %p', (t) => {
    expect(() => signBangePayload(BODY, SECRET, t)).toThrow(RangeError);
  });

  it('refuses an empty secret', () => {
    expect(() => signBangePayload(BODY, '', T)).toThrow('BANGE_WEBHOOK_SECRET');
  });
});

describe('verifyBangeSignature', () => {
  const input = (over: Partial<VerifyBangeSignatureInput>): VerifyBangeSignatureInput => ({
    rawBody: BODY,
    header: `t=${T},v1=${GOOD}`,
    secrets: [SECRET],
    now: NOW,
    ...over,
  });

  const accepted: [string, Partial<VerifyBangeSignatureInput>][] = [
    ['the signature BANGE sends', {}],
    ['the raw body as a Buffer', { rawBody: Buffer.from(BODY) }],
    ['spaces around elements', { header: `t=${T}, v1=${GOOD}` }],
    ['spaces around keys and values', { header: ` t = ${T} ,  v1 = ${GOOD} ` }],
    ['elements in another order', { header: `v1=${GOOD},t=${T}` }],
    ['a trailing comma', { header: `t=${T},v1=${GOOD},` }],
    ['uppercase hex', { header: `t=${T},v1=${GOOD.toUpperCase()}` }],
    ['several v1= during rotation at BANGE (old first)', { header: `t=${T},v1=${hmac(BODY, 'their-retired-secret-000')},v1=${GOOD}` }],
    ['several secrets on our side (signed with the older)', { header: `t=${T},v1=${hmac(BODY, OLD_SECRET)}`, secrets: [SECRET, OLD_SECRET] }],
    ['an unknown scheme next to v1=, ignored', { header: `t=${T},v0=${'0'.repeat(64)},v2=abc,v1=${GOOD}` }],
    ['the header as an array (repeated header)', { header: [`t=${T}`, `v1=${GOOD}`] }],
    ['a timestamp exactly 300 s old', { now: new Date(NOW.getTime() + 300_000) }],
    ['a timestamp exactly 300 s ahead', { now: new Date(NOW.getTime() - 300_000) }],
    ['a tolerance widened to 1 h', { now: new Date(NOW.getTime() + 3_000_000), toleranceSeconds: 3600 }],
  ];

  it.each(accepted)('accepts %s and returns the timestamp', (_name, over) => {
    expect(verifyBangeSignature(input(over))).toBe(T);
  });

  it('accepts UTF-8 bodies signed as text and verified as bytes', () => {
    const body = JSON.stringify({ description: 'Legalización de documentos — 2 000 XAF' });
    expect(verifyBangeSignature(input({ rawBody: Buffer.from(body, 'utf8'), header: signBangePayload(body, SECRET, T) }))).toBe(T);
  });

  const altered = Buffer.from(BODY);
  altered[altered.indexOf('150000') + 1] = '6'.charCodeAt(0); // 150000 → 160000, one byte
  const reserialised = JSON.stringify(JSON.parse(BODY), null, 1);

  const refused: [string, Partial<VerifyBangeSignatureInput>, WebhookSignatureReason, RegExp][] = [
    ['no header', { header: undefined }, 'missing_header', /No X-Bange-Signature header/],
    ['an empty header', { header: '  ' }, 'missing_header', /No X-Bange-Signature header/],
    ['a body altered by one byte', { rawBody: altered }, 'no_matching_signature', /altered or re-serialised/],
    ['a re-serialised body (JSON.stringify(req.body))', { rawBody: reserialised }, 'no_matching_signature', /req\.rawBody/],
    ['another secret', { secrets: [OLD_SECRET] }, 'no_matching_signature', /check BANGE_WEBHOOK_SECRET/],
    ['a truncated signature', { header: `t=${T},v1=${GOOD.slice(0, 63)}` }, 'no_matching_signature', /None of the 1 v1= signature/],
    ['a signature for another timestamp', { header: `t=${T + 1},v1=${GOOD}` }, 'no_matching_signature', /altered/],
    ['a stale timestamp (301 s old)', { now: new Date(NOW.getTime() + 301_000) }, 'timestamp_outside_tolerance', /301 s in the past.*within 300 s/],
    ['a future timestamp beyond tolerance', { now: new Date(NOW.getTime() - 301_000) }, 'timestamp_outside_tolerance', /301 s in the future/],
    ['a stale and forged webhook (signature checked first)', { header: `t=${T - 3600},v1=${GOOD}` }, 'no_matching_signature', /None of/],
    ['a duplicated t=', { header: `t=${T},t=${T - 1},v1=${GOOD}` }, 'malformed_header', /t= appears 2 times/],
    ['no t=', { header: `v1=${GOOD}` }, 'malformed_header', /no t= timestamp/],
    ['a t= that is not unix seconds', { header: `t=2026-01-15T09:00:00Z,v1=${GOOD}` }, 'malformed_header', /not a whole number of unix seconds/],
    ['a t= in milliseconds-with-fraction', { header: `t=${T}.5,v1=${GOOD}` }, 'malformed_header', /unix seconds/],
    ['only an unknown scheme', { header: `t=${T},v0=${GOOD}` }, 'malformed_header', /no v1= signature \(found only v0=/],
    ['the bare hex, no key=value', { header: GOOD }, 'malformed_header', /element 1 is not key=value/],
    [
      'a parsed body (object)',
      { rawBody: JSON.parse(BODY) as Buffer },
      'body_not_raw',
      /an object: it looks like the parsed JSON.*pass req\.rawBody, the exact bytes received, not the parsed JSON/i,
    ],
    ['no raw body (undefined)', { rawBody: undefined as unknown as Buffer }, 'body_not_raw', /undefined: no raw body was captured/],
    ['String() of an object', { rawBody: '[object Object]' }, 'body_not_raw', /converted with String\(\)/],
    ['a Uint8Array', { rawBody: new Uint8Array(Buffer.from(BODY)) as Buffer }, 'body_not_raw', /Buffer\.from/],
    ['a number', { rawBody: 42 as unknown as Buffer }, 'body_not_raw', /a number/],
  ];

  it.each(refused)('refuses %s', (_name, over, reason, message) => {
    let caught: unknown;
    try {
      verifyBangeSignature(input(over));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(WebhookSignatureError);
    expect((caught as WebhookSignatureError).reason).toBe(reason);
    expect((caught as WebhookSignatureError).message).toMatch(message);
    // Messages go to logs: never a secret, never a signature value.
    expect((caught as Error).message).not.toContain(SECRET);
    expect((caught as Error).message).not.toContain(GOOD.slice(0, 16));
  });

  it('compares with timingSafeEqual, only on buffers of equal length', () => {
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    try {
      expect(() => verifyBangeSignature(input({ header: `t=${T},v1=abc,v1=${'f'.repeat(64)}` }))).toThrow(WebhookSignatureError);
      expect(spy).toHaveBeenCalledTimes(1); // the 3-character value is never compared
      for (const [a, b] of spy.mock.calls) expect((a as Buffer).length).toBe((b as Buffer).length);
    } finally {
      spy.mockRestore();
    }
  });

  it.each([
    ['no secrets', { secrets: [] }],
    ['an empty secret', { secrets: [SECRET, ''] }],
  ])('treats %s as a misconfiguration (a plain error, not a refused webhook)', (_name, over) => {
    const attempt = () => verifyBangeSignature(input(over));
    expect(attempt).toThrow(TypeError);
    expect(attempt).toThrow(/BANGE_WEBHOOK_SECRET/);
  });
});
