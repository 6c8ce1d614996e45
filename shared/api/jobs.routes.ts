/**
 * Scheduled work, called by Cloud Scheduler with an OIDC token. The jobs function is not behind the
 * public domain (no Hosting rewrite) and only the scheduler's service account may invoke it (IAM).
 */
import { z } from 'zod';
import { defineRoute } from '../http/route';

const Result = z.object({ job: z.string(), processed: z.number().int(), remaining: z.number().int().optional() }).meta({ id: 'JobResult' });

const job = (name: string, summary: string) =>
  defineRoute({
    operationId: `job_${name.replace(/-/g, '_')}`,
    method: 'post',
    path: `/jobs/${name}`,
    summary,
    tags: ['jobs'],
    roles: 'public',
    responses: { 200: { description: 'What the run did', schema: Result } },
  });

export const releaseExpiredClaims = job('release-expired-claims', 'Give expired review claims back to the queue');
export const expireQuotes = job('expire-quotes', 'Expire unpaid service-fee quotes past their expiry');
export const sweepOutbox = job('sweep-outbox', 'Publish events still waiting in the outbox');

export const pollPendingPayments = job('poll-pending-payments', 'Ask BANGE about payments pending too long; expire stale ones');
export const collectMetrics = job('collect-metrics', 'Write the business gauges to Cloud Monitoring');

export const jobsRoutes = [releaseExpiredClaims, expireQuotes, sweepOutbox, pollPendingPayments, collectMetrics] as const;
