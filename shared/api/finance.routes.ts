/** Finance (and admin replay) routes: reconciliation, revenue, refunds, anomalies, failed webhooks, dead letters. */
import { z } from 'zod';
import { defineRoute } from '../http/route';
import { CursorSchema, LimitSchema, MinistryCodeSchema, pageSchema } from './common.schemas';
import { RECONCILIATION_PROBLEMS } from '../domain/payments/reconciliation';
import { PaymentSchema } from './payments.routes';

export const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date like 2026-11-23')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d, 'expected a real calendar date');
const FINANCE = ['finance', 'admin'] as const;
/** A day the database can store (PostgreSQL has no year 0) and reconciliation can mean. */
export const ReconciliationDay = Day.refine((d) => d >= '2000-01-01', 'expected a day from 2000-01-01 on');

const ReconciliationItemSchema = z.object({
  kind: z.enum(['payment', 'refund']).meta({ description: 'Money in (a payment) or out (a refund)' }),
  transactionId: z.string().meta({ description: "The bank's transaction id, or for a refund BANGE's refund id" }),
  reference: z.string().nullable(),
  amounts: z.object({ statement: z.number().int().nullable(), webhook: z.number().int().nullable(), ledger: z.number().int().nullable() }),
  problem: z.enum(RECONCILIATION_PROBLEMS),
  ageHours: z.number().int(),
});
const TotalsSchema = z.object({ statement: z.number().int(), webhooks: z.number().int(), ledger: z.number().int() });

export const getReconciliation = defineRoute({
  operationId: 'getReconciliation',
  method: 'get',
  path: '/api/v1/finance/reconciliation',
  summary: "Three-way reconciliation of a day: BANGE's statement, received webhooks, our ledger",
  tags: ['finance'],
  roles: FINANCE,
  query: z.strictObject({ date: ReconciliationDay }),
  responses: {
    200: {
      description: 'Matched count, totals and every unmatched item with its age',
      schema: z
        .object({
          date: z.string(),
          matched: z.number().int(),
          totals: TotalsSchema,
          refundTotals: TotalsSchema.optional().meta({ description: 'Refunds of the day in each source (money out)' }),
          unmatched: z.array(ReconciliationItemSchema),
        })
        .meta({ id: 'Reconciliation' }),
    },
  },
  errors: ['service_unavailable'],
});

export const listReconciliationRuns = defineRoute({
  operationId: 'listReconciliationRuns',
  method: 'get',
  path: '/api/v1/finance/reconciliation/runs',
  summary: 'Stored results of the daily reconciliation job, newest day first, with their unmatched items',
  description:
    'The scheduled job `reconciliation` reconciles yesterday (Africa/Malabo) every morning and stores one run per day; running a day again replaces its run. `from` and `to` are Malabo days, both included.',
  tags: ['finance'],
  roles: FINANCE,
  query: z
    .strictObject({
      from: ReconciliationDay.optional(),
      to: ReconciliationDay.optional(),
      limit: LimitSchema,
      cursor: CursorSchema.refine(
        (c) => c === undefined || Day.safeParse(c).success,
        'not a cursor this API issued; pass back the nextCursor of the previous page unchanged',
      ),
    })
    .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: 'expected to on or after from', path: ['to'] }),
  responses: {
    200: {
      description: 'A page of runs',
      schema: pageSchema(
        z.object({
          date: z.string().meta({ description: 'The reconciled day (Africa/Malabo), YYYY-MM-DD.' }),
          matched: z.number().int(),
          totals: TotalsSchema,
          unmatched: z.array(ReconciliationItemSchema).meta({ description: 'Every item not in all three sources; ageHours as of the run.' }),
          unmatchedCount: z.number().int(),
          runAt: z.string(),
        }),
        'ReconciliationRunPage',
      ),
    },
  },
});

export const getRevenue = defineRoute({
  operationId: 'getRevenue',
  method: 'get',
  path: '/api/v1/finance/revenue',
  summary: 'Revenue by ministry over [from, to), from the ledger, integer XAF',
  tags: ['finance'],
  roles: FINANCE,
  query: z.strictObject({
    from: Day,
    to: Day,
    ministry: MinistryCodeSchema.optional(),
  }),
  responses: {
    200: {
      description: 'Per ministry',
      schema: z
        .object({
          items: z.array(
            z.object({ ministry: z.string(), payments: z.number().int(), refunds: z.number().int(), net: z.number().int(), count: z.number().int() }),
          ),
          total: z.number().int(),
        })
        .meta({ id: 'Revenue' }),
    },
  },
});

export const createRefund = defineRoute({
  operationId: 'createRefund',
  method: 'post',
  path: '/api/v1/finance/refunds',
  summary: 'Refund (part of) a payment whose declaration was rejected; never more than was paid',
  tags: ['finance'],
  roles: ['finance'],
  idempotency: 'required',
  body: z.strictObject({
    paymentId: z.uuid({ message: 'expected a payment id (UUID)' }),
    amount: z.number({ error: 'expected a whole number of XAF' }).int('expected a whole number of XAF').positive('expected more than 0 XAF'),
    reason: z.string().trim().min(1, 'expected a reason').max(1000),
  }),
  responses: { 201: { description: 'The payment after the refund', schema: PaymentSchema } },
  errors: ['not_found', 'payment_not_refundable', 'declaration_not_rejected', 'refund_refused'],
});

export const listAnomalies = defineRoute({
  operationId: 'listPaymentAnomalies',
  method: 'get',
  path: '/api/v1/finance/anomalies',
  summary: 'Money the bank reported that could not be applied (mismatch, unknown reference, paid after close)',
  tags: ['finance'],
  roles: FINANCE,
  query: z.strictObject({ limit: LimitSchema }),
  responses: {
    200: {
      description: 'Open anomalies, newest first',
      schema: z
        .object({
          items: z.array(
            z.object({
              id: z.string(),
              kind: z.string(),
              paymentId: z.string().nullable(),
              webhookEventId: z.string().nullable(),
              detail: z.string(),
              detectedAt: z.string(),
            }),
          ),
        })
        .meta({ id: 'Anomalies' }),
    },
  },
});

export const listWebhooks = defineRoute({
  operationId: 'listWebhooks',
  method: 'get',
  path: '/api/v1/admin/webhooks',
  summary: 'Received BANGE webhooks; `status=failed` (default) lists those not applied',
  tags: ['admin'],
  roles: ['admin'],
  query: z.strictObject({ status: z.enum(['failed', 'all'], { error: 'expected failed or all' }).default('failed'), limit: LimitSchema }),
  responses: {
    200: {
      description: 'Webhooks, newest first',
      schema: z
        .object({
          items: z.array(
            z.object({
              id: z.string(),
              receivedAt: z.string(),
              type: z.string().nullable(),
              status: z.string(),
              detail: z.string().nullable(),
              transactionId: z.string().nullable(),
              amount: z.number().int().nullable(),
              replayedAt: z.string().nullable(),
            }),
          ),
        })
        .meta({ id: 'Webhooks' }),
    },
  },
});

export const replayWebhook = defineRoute({
  operationId: 'replayWebhook',
  method: 'post',
  path: '/api/v1/admin/webhooks/{id}/replay',
  summary: 'Resolve a stored webhook again and apply it if it now matches a payment',
  tags: ['admin'],
  roles: ['admin'],
  params: z.strictObject({ id: z.string().min(1).max(300) }),
  responses: { 200: { description: 'The outcome', schema: z.object({ outcome: z.enum(['accepted', 'still_unmatched', 'still_mismatch', 'malformed']) }) } },
  errors: ['not_found', 'webhook_already_accepted'],
});

export const listDeadLetters = defineRoute({
  operationId: 'listDeadLetters',
  method: 'get',
  path: '/api/v1/admin/dead-letters',
  summary: 'Events whose handler failed every attempt',
  tags: ['admin'],
  roles: ['admin'],
  query: z.strictObject({ open: z.enum(['true', 'false']).default('true'), limit: LimitSchema }),
  responses: {
    200: {
      description: 'Dead letters, newest first',
      schema: z
        .object({
          items: z.array(
            z.object({
              id: z.string(),
              subscription: z.string(),
              topic: z.string(),
              eventId: z.string(),
              type: z.string(),
              error: z.string(),
              attempts: z.number().int(),
              deadAt: z.string(),
              replayedAt: z.string().nullable(),
            }),
          ),
        })
        .meta({ id: 'DeadLetters' }),
    },
  },
});

export const replayDeadLetter = defineRoute({
  operationId: 'replayDeadLetter',
  method: 'post',
  path: '/api/v1/admin/dead-letters/{id}/replay',
  summary: 'Publish a dead-lettered event again (consumers are idempotent)',
  tags: ['admin'],
  roles: ['admin'],
  params: z.strictObject({ id: z.uuid() }),
  responses: { 200: { description: 'Replayed', schema: z.object({ replayed: z.literal(true) }) } },
  errors: ['not_found', 'already_replayed'],
});

export const financeRoutes = [
  getReconciliation,
  listReconciliationRuns,
  getRevenue,
  createRefund,
  listAnomalies,
  listWebhooks,
  replayWebhook,
  listDeadLetters,
  replayDeadLetter,
] as const;
