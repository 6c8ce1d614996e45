/** The payments Cloud Function: pay declarations through BANGE, follow payments, receipts and their verification. */
import { http } from '@google-cloud/functions-framework';
import {
  checkPayment,
  createPayment,
  getPayment,
  getPaymentReturnPage,
  getReceipt,
  getReceiptKeys,
  getReceiptPage,
  paymentRoutes,
  verifyReceipt,
} from '../../shared/api/payments.routes';
import { assertBankConfigured, getConfig } from '../../shared/config/config';
import { receiptCheckUrl } from '../../shared/domain/payments/receipt-check';
import { PUBLIC_PAGE_CSP, renderPaymentStatusPage, renderReceiptPage } from '../../shared/http/public-pages';
import { toPaymentBody } from '../../shared/api/payment-view';
import { qrCode } from '../../shared/http/qr-codes';
import { NotFoundError } from '../../shared/errors/app-error';
import { createHttpFunction } from '../../shared/http/http-function';
import { pipeline } from '../../shared/runtime/pipeline';
import { bindRoute } from '../../shared/http/request-context';
import { getPaymentService, getReceiptReader } from '../../shared/runtime/payments';
import { getRuntime } from '../../shared/runtime/runtime';

assertBankConfigured(getConfig(), 'api');

export const routes = [
  bindRoute(createPayment, async ({ body: input }, ctx) => ({
    status: 201,
    body: toPaymentBody(await getPaymentService().create(ctx.principal, input, ctx.idempotencyKey)),
  })),
  bindRoute(getPayment, async ({ params }, ctx) => ({ status: 200, body: toPaymentBody(await getPaymentService().get(ctx.principal, params.id)) })),
  bindRoute(checkPayment, async ({ params }, ctx) => ({ status: 200, body: toPaymentBody(await getPaymentService().check(ctx.principal, params.id)) })),
  bindRoute(getReceipt, async ({ params }, ctx) => {
    const payment = await getPaymentService().get(ctx.principal, params.id);
    const found = await getReceiptReader().ofPayment(payment.id);
    if (!found)
      throw new NotFoundError(
        `Payment ${payment.reference} has no receipt yet${payment.status === 'pending' ? ': it is not paid' : '; it is issued within seconds of the payment'}.`,
      );
    const { receipt, verdict } = found;
    const verifyUrl = receiptCheckUrl(getRuntime().config.publicBaseUrl, receipt.number, receipt.token);
    return {
      status: 200,
      body: {
        number: receipt.number,
        token: receipt.token,
        verifyUrl,
        // The short URL, not the 870-character token: a sparse code a phone reads off paper (docs/BANGE.md, "Receipts").
        qr: await qrCode(verifyUrl, 'png-data-url'),
        issuedAt: receipt.issuedAt.toISOString(),
        voidedAt: receipt.voidedAt?.toISOString() ?? null,
        receipt: verdict.valid ? (verdict.receipt as unknown as Record<string, unknown>) : {},
      },
    };
  }),
  bindRoute(verifyReceipt, async ({ body: input }) => {
    const standing = await getReceiptReader().byToken(input.token);
    const answer = standing.valid ? { ...standing, receipt: standing.receipt as unknown as Record<string, unknown> } : standing;
    getRuntime()
      .metrics()
      .recorder.increment('receipt_verifications', { result: answer.valid ? 'valid' : 'invalid' });
    return { status: 200, body: answer };
  }),
  // Signing keys are published from the moment they are in the ring: a cached copy lacks only a key that joined it within max-age.
  bindRoute(getReceiptKeys, async () => ({ status: 200, headers: { 'Cache-Control': 'public, max-age=300' }, body: await getReceiptReader().keys() })),
  bindRoute(getReceiptPage, async ({ params, query }) => {
    const standing = await getReceiptReader().byNumber(params.number, query.s);
    const path = (lang: string) => `/api/v1/receipts/${params.number}?s=${encodeURIComponent(query.s)}&lang=${lang}`;
    const url = `${getRuntime().config.publicBaseUrl}/api/v1/receipts/${params.number}?s=${encodeURIComponent(query.s)}`;
    const qr = standing.valid ? await qrCode(url, 'svg') : null;
    getRuntime()
      .metrics()
      .recorder.increment('receipt_verifications', { result: standing.valid ? 'valid' : 'invalid' });
    return {
      status: 200,
      raw: renderReceiptPage(query.lang, standing, qr, path),
      contentType: 'text/html; charset=utf-8',
      headers: { 'Content-Security-Policy': PUBLIC_PAGE_CSP, 'Cache-Control': 'no-store' },
    };
  }),
  bindRoute(getPaymentReturnPage, async ({ params, query }) => {
    const payment = await getReceiptReader().payment(params.id);
    const path = (lang: string) => `/api/v1/payments/${params.id}/return?lang=${lang}`;
    return {
      status: 200,
      raw: renderPaymentStatusPage(query.lang, payment, path),
      contentType: 'text/html; charset=utf-8',
      headers: { 'Content-Security-Policy': PUBLIC_PAGE_CSP, 'Cache-Control': 'no-store' },
    };
  }),
];

export const definitions = paymentRoutes;

http('payments', createHttpFunction({ routes, ...pipeline }));
