/** The BANGE HTTP API on the wire, as zod schemas: what the adapter sends and accepts, what the sandbox serves, what a webhook body must be. */
import { z } from 'zod';
import type { BangeWebhookEvent, BankPayment, CreateBankPayment, StatementLine, WebhookParse } from '../../ports/bank.port';

/** XAF has no minor unit: every amount is a whole number of francs. */
export const xafAmountSchema = z.int({ error: 'expected a whole number of XAF (the franc has no minor unit)' }).positive('expected a positive amount of XAF');

const nonNegativeXaf = z.int({ error: 'expected a whole number of XAF (the franc has no minor unit)' }).nonnegative('expected zero or more XAF');

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });
const isoDateTime = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time' });

export const paymentMethodSchema = z.enum(['bange_card', 'bange_wallet']);
export const bankPaymentStatusSchema = z.enum(['pending', 'succeeded', 'failed', 'refunded']);

/** A UTC day, `YYYY-MM-DD`, that exists on the calendar. */
export const statementDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a day as YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'expected a day that exists');

export const idempotencyKeySchema = z
  .string()
  .trim()
  .min(1, 'expected a non-empty idempotency key')
  .max(255, 'expected an idempotency key of at most 255 characters');

/** `POST /v1/payments` body; the idempotency key travels in the `Idempotency-Key` header. */
export const createPaymentBodySchema = z.object({
  reference: z.string().trim().min(1, 'expected our payment reference').max(64),
  amount: xafAmountSchema,
  currency: z.literal('XAF', { error: 'expected XAF' }),
  method: paymentMethodSchema,
  description: z.string().max(500),
  callbackUrl: httpUrl,
  returnUrl: httpUrl.optional(),
}) satisfies z.ZodType<Omit<CreateBankPayment, 'idempotencyKey'>>;

export type CreatePaymentBody = z.infer<typeof createPaymentBodySchema>;

/** `POST /v1/payments/{id}/refunds` body. */
export const refundBodySchema = z.object({ amount: xafAmountSchema, reference: z.string().trim().min(1).max(64).optional() });

export const bankRefundSchema = z.object({ id: z.string().min(1), amount: xafAmountSchema, reference: z.string().nullable(), createdAt: isoDateTime });

export const bankPaymentSchema = z
  .object({
    id: z.string().min(1),
    reference: z.string().min(1),
    amount: xafAmountSchema,
    currency: z.literal('XAF', { error: 'expected XAF' }),
    method: paymentMethodSchema,
    status: bankPaymentStatusSchema,
    checkoutUrl: httpUrl,
    paidAt: isoDateTime.nullable(),
    refundedAmount: nonNegativeXaf,
    refunds: z.array(bankRefundSchema).optional(),
  })
  .refine((p) => p.refundedAmount <= p.amount, { path: ['refundedAmount'], message: 'expected no more than the amount paid' }) satisfies z.ZodType<BankPayment>;

export const statementLineSchema = z.object({
  transactionId: z.string().min(1),
  reference: z.string().min(1),
  type: z.enum(['payment', 'refund']),
  amount: xafAmountSchema,
  currency: z.literal('XAF', { error: 'expected XAF' }),
  at: isoDateTime,
  refundId: z.string().min(1).optional(),
}) satisfies z.ZodType<StatementLine>;

/** `GET /v1/statements/{date}`. */
export const statementSchema = z.object({ date: statementDateSchema, lines: z.array(statementLineSchema) });

/** Every error answer of the BANGE API. */
export const bangeErrorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export type BangeErrorBody = z.infer<typeof bangeErrorBodySchema>;

/**
 * A webhook body: the one schema the sandbox's deliveries and the webhook ingestion both hold to.
 * Currency and method stay open strings so a mismatch reaches the domain's check (and its alert)
 * instead of being lost as a parse error; the amount must still be whole XAF; the lengths are those
 * the webhook_events columns keep. For `payment.refunded`, `amount` is the amount of that refund.
 */
export const bangeWebhookEventSchema = z.object({
  id: z.string().min(1).max(200),
  type: z.enum(['payment.succeeded', 'payment.failed', 'payment.refunded']),
  createdAt: isoDateTime,
  data: z.object({
    transactionId: z.string().min(1).max(200),
    reference: z.string().min(1).max(200),
    amount: nonNegativeXaf,
    currency: z.string().min(1).max(10),
    method: z.string().min(1).max(50),
    paidAt: isoDateTime.nullable(),
    refundId: z.string().min(1).max(200).optional(),
    refundReference: z.string().max(200).nullable().optional(),
  }),
}) satisfies z.ZodType<BangeWebhookEvent>;

/** A webhook's raw text as a BANGE event, or what is wrong with it (stored with the body for investigation). */
export function parseBangeWebhook(text: string): WebhookParse {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: 'body is not JSON' };
  }
  const result = bangeWebhookEventSchema.safeParse(json);
  return result.success ? { event: result.data } : { problem: result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
}

const ISSUES_SHOWN = 6;

/**
 * `path: message` for each issue, the way configuration problems are listed; `root` names a value
 * parsed on its own. Parse with `{ reportInput: true }` so an absent field reads `missing`.
 */
export function describeIssues(error: z.ZodError, root = '(body)'): string {
  const lines = error.issues.map((i) => {
    const missing = 'input' in i && i.input === undefined;
    return `${i.path.join('.') || root}: ${missing ? 'missing' : i.message}`;
  });
  const more = lines.length - ISSUES_SHOWN;
  return lines.slice(0, ISSUES_SHOWN).join('; ') + (more > 0 ? `; and ${more} more` : '');
}
