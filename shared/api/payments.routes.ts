/** The payments route group: pay a declaration through BANGE, follow the payment, get and verify receipts. */
import { z } from 'zod';
import { defineRoute } from '../http/route';
import { PAYMENT_STATUSES } from '../domain/payments/payment-state-machine';
import { LangSchema } from './common.schemas';

const Id = z.strictObject({ id: z.uuid({ message: 'expected a payment id (UUID)' }) });

export const PaymentSchema = z
  .object({
    id: z.uuid(),
    reference: z.string(),
    declarationId: z.uuid(),
    status: z.enum(PAYMENT_STATUSES),
    amount: z.number().int(),
    currency: z.literal('XAF'),
    method: z.enum(['bange_card', 'bange_wallet']),
    checkoutUrl: z.string().nullable().meta({ description: "BANGE's hosted page where the payer pays." }),
    expiresAt: z.string(),
    paidAt: z.string().nullable(),
    refundedAmount: z.number().int(),
  })
  .meta({ id: 'Payment' });

const ReceiptClaimsSchema = z
  .record(z.string(), z.unknown())
  .meta({ id: 'ReceiptClaims', description: 'The signed content: number, taxpayer, declaration, amount, paidAt, bangeTransactionId.' });

export const createPayment = defineRoute({
  operationId: 'createPayment',
  method: 'post',
  path: '/api/v1/payments',
  summary: 'Start paying a declaration through BANGE (Idempotency-Key required)',
  tags: ['payments'],
  roles: ['citizen', 'business'],
  idempotency: 'required',
  body: z.strictObject({
    declarationId: z.uuid({ message: 'expected a declaration id (UUID)' }),
    method: z.enum(['bange_card', 'bange_wallet'], { error: 'expected bange_card or bange_wallet' }),
  }),
  responses: { 201: { description: 'The pending payment with its checkout URL', schema: PaymentSchema } },
  errors: ['not_found', 'declaration_not_payable', 'quote_expired', 'nothing_to_pay', 'payment_already_live', 'bank_unavailable'],
});

export const getPayment = defineRoute({
  operationId: 'getPayment',
  method: 'get',
  path: '/api/v1/payments/{id}',
  summary: 'One payment',
  tags: ['payments'],
  roles: ['citizen', 'business', 'finance', 'admin'],
  params: Id,
  responses: { 200: { description: 'The payment', schema: PaymentSchema } },
  errors: ['not_found'],
});

export const checkPayment = defineRoute({
  operationId: 'checkPayment',
  method: 'post',
  path: '/api/v1/payments/{id}/check',
  summary: 'Ask BANGE for the status now (for a payer back from checkout before the webhook)',
  tags: ['payments'],
  roles: ['citizen', 'business', 'finance', 'admin'],
  params: Id,
  responses: { 200: { description: 'The payment after the check', schema: PaymentSchema } },
  errors: ['not_found'],
});

export const getReceipt = defineRoute({
  operationId: 'getReceipt',
  method: 'get',
  path: '/api/v1/payments/{id}/receipt',
  summary: 'The receipt of a paid payment: number, signed token (compact JWS) and its QR code',
  tags: ['payments'],
  roles: ['citizen', 'business', 'finance', 'admin'],
  params: Id,
  responses: {
    200: {
      description: 'The receipt',
      schema: z
        .object({
          number: z.string(),
          token: z.string(),
          verifyUrl: z.string().meta({ description: 'The public verification page of this receipt (number and compact signature): what the QR code holds' }),
          qr: z.string().meta({ description: 'data: URL of a PNG QR code of verifyUrl' }),
          issuedAt: z.string(),
          voidedAt: z.string().nullable().meta({ description: 'When the receipt was voided (its money went back), or null' }),
          receipt: ReceiptClaimsSchema,
        })
        .meta({ id: 'Receipt' }),
    },
  },
  errors: ['not_found'],
});

export const verifyReceipt = defineRoute({
  operationId: 'verifyReceipt',
  method: 'post',
  path: '/api/v1/receipts/verify',
  summary: 'Check a receipt token: valid, or why not',
  description:
    'The signature is checked against the receipt keys (GET /api/v1/receipts/keys: every key that ever signed a receipt, so a receipt stays valid after its key is rotated out), then the token must be the one stored under its number.',
  tags: ['payments'],
  roles: 'public',
  body: z.strictObject({ token: z.string().min(1, 'expected the receipt token').max(10_000) }),
  responses: {
    200: {
      description: 'The verdict',
      schema: z
        .object({
          valid: z.boolean().meta({ description: 'The signature holds and the token is the one stored under its number' }),
          status: z.enum(['valid', 'voided']).optional().meta({ description: 'valid: the receipt stands; voided: its money went back (voidedAt, voidReason)' }),
          voidedAt: z.string().optional(),
          voidReason: z.enum(['refunded']).optional(),
          message: z.string().optional().meta({ description: 'e.g. "valid signature, receipt voided on 2026-01-15: refunded"' }),
          reason: z.string().optional(),
          receipt: ReceiptClaimsSchema.optional(),
        })
        .meta({ id: 'ReceiptVerdict' }),
    },
  },
});

export const getReceiptKeys = defineRoute({
  operationId: 'getReceiptKeys',
  method: 'get',
  path: '/api/v1/receipts/keys',
  summary: 'Public keys that verify receipts offline: every key that ever signed one, kept for good',
  description:
    "A JSON Web Key Set of every Ed25519 key that ever signed a receipt, plus the current signing keys. A key stays here after it leaves the signing keys (unlike /.well-known/jwks.json, which verifies access tokens), so a receipt verifies for as long as fiscal records are kept. Find the key by the `kid` of the receipt's protected header; `typ` is `taxasge-receipt+jws`, `alg` `EdDSA`.",
  tags: ['payments'],
  roles: 'public',
  responses: {
    200: {
      description: 'JSON Web Key Set (public members only)',
      schema: z
        .object({
          keys: z.array(
            z.strictObject({
              kty: z.literal('OKP'),
              crv: z.literal('Ed25519'),
              x: z.string(),
              kid: z.string(),
              alg: z.literal('EdDSA'),
              use: z.literal('sig'),
            }),
          ),
        })
        .meta({ id: 'ReceiptKeys' }),
    },
  },
});

export const getReceiptPage = defineRoute({
  operationId: 'getReceiptPage',
  method: 'get',
  path: '/api/v1/receipts/{number}',
  summary: "A receipt's public verification page (what its QR code opens), in es, fr or en; printed, it is the receipt with its QR code",
  description:
    'Checks the stored receipt against the receipt keys and the compact signature `s` (the receipt JWS signature, base64url), and shows what it certifies: valid, voided (with date and reason) or not valid.',
  tags: ['payments'],
  roles: 'public',
  params: z.strictObject({ number: z.string().regex(/^REC-\d{4}-\d{8}$/, 'expected a receipt number like REC-2026-00000001') }),
  query: z.strictObject({ s: z.string().min(1, 'expected the compact signature').max(200), lang: LangSchema }),
  responses: { 200: { description: 'An HTML page (also for a receipt that is not valid: the page says why)', contentType: 'text/html' } },
});

export const getPaymentReturnPage = defineRoute({
  operationId: 'getPaymentReturnPage',
  method: 'get',
  path: '/api/v1/payments/{id}/return',
  summary: "Where BANGE's checkout sends the payer back: where the payment stands, in es, fr or en",
  description: "The payment's return URL (RETURN_URL_TEMPLATE). Shows its reference, amount and status only; a pending payment's page reloads itself.",
  tags: ['payments'],
  roles: 'public',
  params: Id,
  query: z.strictObject({ lang: LangSchema }),
  responses: { 200: { description: 'An HTML page', contentType: 'text/html' } },
});

export const paymentRoutes = [
  createPayment,
  getPayment,
  checkPayment,
  getReceipt,
  verifyReceipt,
  getReceiptKeys,
  getReceiptPage,
  getPaymentReturnPage,
] as const;
