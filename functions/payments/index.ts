/** The payments Cloud Function: pay declarations through BANGE, follow payments, receipts and their verification. */
import { http } from '@google-cloud/functions-framework';
import QRCode from 'qrcode';
import { checkPayment, createPayment, getPayment, getReceipt, getReceiptKeys, paymentRoutes, verifyReceipt } from '../../shared/api/payments.routes';
import { assertBankConfigured, getConfig } from '../../shared/config/config';
import { findReceiptByNumber, findReceiptByPayment, receiptVerificationKeys, verifyReceiptToken } from '../../shared/domain/payments/receipts';
import type { Payment } from '../../shared/domain/payments/payment.types';
import { NotFoundError } from '../../shared/errors/app-error';
import { createHttpFunction } from '../../shared/http/http-function';
import { bindRoute } from '../../shared/http/request-context';
import { metricsFor } from '../../shared/metrics/instance-metrics';
import { getKeyRing } from '../../shared/runtime/identity';
import { getPaymentService } from '../../shared/runtime/payments';
import { getRuntime } from '../../shared/runtime/runtime';

assertBankConfigured(getConfig(), 'api');

const body = (p: Payment) => ({
  id: p.id,
  reference: p.reference,
  declarationId: p.declarationId,
  status: p.status,
  amount: p.amount,
  currency: p.currency,
  method: p.method,
  checkoutUrl: p.checkoutUrl,
  expiresAt: p.expiresAt.toISOString(),
  paidAt: p.paidAt?.toISOString() ?? null,
  refundedAmount: p.refundedAmount,
});

/** Every key that ever signed a receipt plus the current signing keys: receipts outlive their signing key. */
const receiptKeys = () => receiptVerificationKeys(getRuntime().db, getKeyRing());

export const routes = [
  bindRoute(createPayment, async ({ body: input, headers }, ctx) => ({
    status: 201,
    body: body(await getPaymentService().create(ctx.principal!, input, String(headers['idempotency-key']))),
  })),
  bindRoute(getPayment, async ({ params }, ctx) => ({ status: 200, body: body(await getPaymentService().get(ctx.principal!, params.id)) })),
  bindRoute(checkPayment, async ({ params }, ctx) => ({ status: 200, body: body(await getPaymentService().check(ctx.principal!, params.id)) })),
  bindRoute(getReceipt, async ({ params }, ctx) => {
    const payment = await getPaymentService().get(ctx.principal!, params.id);
    const receipt = await findReceiptByPayment(getRuntime().db, payment.id);
    if (!receipt) throw new NotFoundError(`Payment ${payment.reference} has no receipt yet${payment.status === 'pending' ? ': it is not paid' : '; it is issued within seconds of the payment'}.`);
    const verdict = await verifyReceiptToken(receipt.token, await receiptKeys());
    return {
      status: 200,
      body: {
        number: receipt.number,
        token: receipt.token,
        qr: await QRCode.toDataURL(receipt.token, { errorCorrectionLevel: 'M', margin: 1 }),
        issuedAt: receipt.issuedAt.toISOString(),
        receipt: verdict.valid ? (verdict.receipt as unknown as Record<string, unknown>) : {},
      },
    };
  }),
  bindRoute(verifyReceipt, async ({ body: input }) => {
    const answer = await verifyStoredReceipt(input.token);
    metricsFor(getRuntime()).recorder.increment('receipt_verifications', { result: answer.valid ? 'valid' : 'invalid' });
    return { status: 200, body: answer };
  }),
  // Signing keys are published from the moment they are in the ring: a cached copy lacks only a key that joined it within max-age.
  bindRoute(getReceiptKeys, async () => ({ status: 200, headers: { 'Cache-Control': 'public, max-age=300' }, body: await receiptKeys() })),
];

/** A receipt is valid when its signature holds and the platform stored that very token under its number. */
async function verifyStoredReceipt(token: string): Promise<{ valid: true; receipt: Record<string, unknown> } | { valid: false; reason: string }> {
  const verdict = await verifyReceiptToken(token, await receiptKeys());
  if (!verdict.valid) return { valid: false, reason: verdict.reason };
  // A genuine signature over a receipt this platform never stored is still not a receipt.
  const stored = await findReceiptByNumber(getRuntime().db, verdict.receipt.number);
  if (!stored || stored.token !== token) return { valid: false, reason: 'unknown receipt number' };
  return { valid: true, receipt: verdict.receipt as unknown as Record<string, unknown> };
}

export const definitions = paymentRoutes;

http('payments', createHttpFunction({ routes, runtime: getRuntime }));
