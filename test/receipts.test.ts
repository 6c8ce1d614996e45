/**
 * Receipts a phone can verify: the QR code holds a short verification URL (decoded here from the
 * rendered PNG by a real QR decoder), the public page shows what the receipt certifies in es, fr and
 * en and prints with its QR code, and a refunded receipt verifies as voided. Also the payer's way back
 * from BANGE's checkout: the return URL the sandbox received, and its status page.
 */
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import request from 'supertest';
import { anAccount, type CreatedAccount } from './support/auth-fixtures';
import { createTestApp, type TestApp } from './support/test-app';
import { aPayment, settle } from './support/payment-fixtures';

let app: TestApp;
let citizen: CreatedAccount;
let agent: CreatedAccount;
let finance: CreatedAccount;

beforeAll(async () => {
  app = await createTestApp({ listen: true, env: { RATE_LIMIT_PUBLIC_PER_MINUTE: '100000' } });
  citizen = await anAccount().create(app);
  agent = await anAccount().withRole('agent', ['M-001']).create(app);
  finance = await anAccount().withRole('finance').create(app);
});
afterAll(() => app.close());

const api = () => request(app.server);
const as = (who: CreatedAccount, r: request.Test) => r.set('Authorization', `Bearer ${who.accessToken}`);

async function paidReceipt() {
  const p = await aPayment().create(app, citizen);
  await api().post(`/sandbox/bange/checkout/${p.bangeId}/pay`).expect(200);
  await settle(app);
  const { body: receipt } = await as(citizen, api().get(`/api/v1/payments/${p.payment.id}/receipt`)).expect(200);
  return { ...p, receipt };
}

/** Decodes a QR code from a `data:image/png;base64,…` URL, as a phone's camera app would from the printed image. */
function decodeQr(dataUrl: string): string | undefined {
  const png = PNG.sync.read(Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64'));
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

const pathOf = (url: string) => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};

describe('receipt QR codes and the verification page', () => {
  it('holds a short verification URL that a QR decoder reads back from the rendered image', async () => {
    const { receipt } = await paidReceipt();
    expect(receipt.verifyUrl).toMatch(new RegExp(`^${app.baseUrl}/api/v1/receipts/${receipt.number}\\?s=[A-Za-z0-9_-]{22}$`));
    expect(decodeQr(receipt.qr)).toBe(receipt.verifyUrl);
    // The whole token made a dense code (version 20 or more); the URL a sparse one.
    expect(receipt.verifyUrl.length).toBeLessThan(90);
    expect(QRCode.create(receipt.verifyUrl, { errorCorrectionLevel: 'M' }).version).toBeLessThanOrEqual(5);
    expect(QRCode.create(receipt.token, { errorCorrectionLevel: 'M' }).version).toBeGreaterThanOrEqual(20);
  });

  it('opens a phone-sized page in es, fr and en that shows what the receipt certifies, printable with its QR code', async () => {
    const { receipt, payment } = await paidReceipt();
    const es = await api()
      .get(pathOf(receipt.verifyUrl))
      .expect(200)
      .expect('content-type', /text\/html/);
    expect(es.headers['content-security-policy']).toContain("default-src 'none'");
    expect(es.text).toContain('<meta name="viewport"');
    expect(es.text).toContain('Recibo válido');
    expect(es.text).toContain(receipt.number);
    expect(es.text).toContain('2 000 XAF');
    expect(es.text).toContain(payment.reference);
    expect(es.text).toContain('@media print');
    expect(es.text).toContain('<svg');
    expect(
      (
        await api()
          .get(`${pathOf(receipt.verifyUrl)}&lang=fr`)
          .expect(200)
      ).text,
    ).toContain('Reçu valide');
    expect(
      (
        await api()
          .get(`${pathOf(receipt.verifyUrl)}&lang=en`)
          .expect(200)
      ).text,
    ).toContain('Valid receipt');

    const forged = receipt.verifyUrl.replace(/s=.{4}/, 's=AAAA');
    const page = await api()
      .get(`${pathOf(forged)}&lang=en`)
      .expect(200);
    expect(page.text).toContain('Receipt not valid: the signature does not match');
    expect((await api().get(`/api/v1/receipts/REC-2026-99999999?s=abc&lang=en`).expect(200)).text).toContain('unknown receipt number');
  });

  it('verifies a refunded receipt as voided, through the API and on the page', async () => {
    const { receipt, payment, declaration } = await paidReceipt();
    await as(agent, api().post(`/api/v1/agent/declarations/${declaration.id}/claim`)).expect(200);
    await as(agent, api().post(`/api/v1/agent/declarations/${declaration.id}/reject`))
      .send({ reason: 'Not the right service' })
      .expect(200);
    expect((await api().post('/api/v1/receipts/verify').send({ token: receipt.token }).expect(200)).body).toMatchObject({ valid: true, status: 'valid' });

    await as(finance, api().post('/api/v1/finance/refunds'))
      .set('Idempotency-Key', `receipts-refund-${payment.id}`)
      .send({ paymentId: payment.id, amount: payment.amount, reason: 'rejected' })
      .expect(201);
    await settle(app);
    const verdict = (await api().post('/api/v1/receipts/verify').send({ token: receipt.token }).expect(200)).body;
    expect(verdict).toMatchObject({
      valid: true,
      status: 'voided',
      voidReason: 'refunded',
      voidedAt: '2026-01-15T09:00:00.000Z',
      message: 'valid signature, receipt voided on 2026-01-15: refunded',
    });
    expect(
      (
        await api()
          .get(`${pathOf(receipt.verifyUrl)}&lang=en`)
          .expect(200)
      ).text,
    ).toContain('Valid signature; receipt voided on 2026-01-15: refunded');
    expect((await as(citizen, api().get(`/api/v1/payments/${payment.id}/receipt`)).expect(200)).body.voidedAt).toBe('2026-01-15T09:00:00.000Z');
  });
});

describe('return from checkout', () => {
  it("sends BANGE a return URL in the payer's language, whose page says where the payment stands", async () => {
    const { payment, bangeId } = await aPayment().create(app, citizen);
    const returnUrl = app.sandbox!.payments().find((p) => p.id === bangeId)!.returnUrl!;
    expect(returnUrl).toBe(`${app.baseUrl}/api/v1/payments/${payment.id}/return?lang=es`);
    const pending = await api().get(pathOf(returnUrl)).expect(200);
    expect(pending.text).toContain('data-status="pending"');
    expect(pending.text).toContain('<meta http-equiv="refresh" content="5">');

    // The sandbox's checkout sends the payer back once the payment has an outcome.
    await api().post(`/sandbox/bange/checkout/${bangeId}/pay`).expect(200);
    await settle(app);
    expect((await api().get(`/sandbox/bange/checkout/${bangeId}`).expect(200)).text).toContain(`<meta http-equiv="refresh" content="3;url=`);
    expect((await api().get(`/api/v1/payments/${payment.id}/return?lang=fr`).expect(200)).text).toContain('Paiement reçu');
    expect((await api().get(`/api/v1/payments/${payment.id}/return?lang=en`).expect(200)).text).toContain('Payment received');
    expect((await api().get(`/api/v1/payments/00000000-0000-4000-8000-000000000000/return?lang=en`).expect(200)).text).toContain('We do not know this payment');
  });
});
