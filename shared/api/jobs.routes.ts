/**
 * Scheduled work, called by Cloud Scheduler with an OIDC token. The jobs function is not behind the
 * public domain (no Hosting rewrite) and only the scheduler's service account may invoke it (IAM).
 */
import { z } from 'zod';
import { defineRoute } from '../http/route';
import { ReconciliationDay } from './finance.routes';

const Result = z.object({ job: z.string(), processed: z.number().int(), remaining: z.number().int().optional() }).meta({ id: 'JobResult' });

const job = <B extends z.ZodType | undefined = undefined>(name: string, summary: string, body?: B) =>
  defineRoute({
    operationId: `job_${name.replace(/-/g, '_')}`,
    method: 'post',
    path: `/jobs/${name}`,
    summary,
    tags: ['jobs'],
    roles: 'public',
    body: body as B,
    responses: { 200: { description: 'What the run did', schema: Result } },
  });

export const releaseExpiredClaims = job('release-expired-claims', 'Give expired review claims back to the queue');
export const expireQuotes = job('expire-quotes', 'Expire unpaid service-fee quotes past their expiry');
export const sweepOutbox = job('sweep-outbox', 'Publish events still waiting in the outbox');
export const redriveWebhooks = job(
  'redrive-webhooks',
  'Publish again accepted payment webhooks that apply-payment never took (neither applied nor dead-lettered)',
);

export const sweepRefunds = job('sweep-refunds', 'Finish refunds left submitted: ask BANGE, record what it did, send again what it never got');
export const pollPendingPayments = job('poll-pending-payments', 'Ask BANGE about payments pending too long; expire stale ones');
/** `processed`: declarations warned (18 h) or escalated (72 h) now; `remaining`: of those, the escalated. */
export const enforceReviewSlas = job(
  'enforce-review-slas',
  "Warn the ministry's agents of declarations waiting 18 h in review; escalate those waiting 72 h to its supervisors",
);
export const collectMetrics = job('collect-metrics', 'Write the business gauges to Cloud Monitoring');
/** `processed`: rows deleted or cleared by every policy of docs/PRIVACY.md together; the audit log has each count. */
export const applyRetention = job(
  'apply-retention',
  'Delete or anonymise personal data past its retention period (docs/PRIVACY.md), each policy counted in the audit log',
);

/** Cloud Scheduler posts `{}`: yesterday in Africa/Malabo. `processed` counts the transactions seen, `remaining` those unmatched. */
export const reconcile = job(
  'reconcile',
  "Reconcile a day (default yesterday, Africa/Malabo): BANGE's statement, webhooks, ledger; store the result, alert on discrepancies",
  z.strictObject({ date: ReconciliationDay.optional() }).optional(),
);

export const jobsRoutes = [
  releaseExpiredClaims,
  expireQuotes,
  enforceReviewSlas,
  sweepOutbox,
  redriveWebhooks,
  pollPendingPayments,
  sweepRefunds,
  collectMetrics,
  reconcile,
  applyRetention,
] as const;
