/** The jobs Cloud Function: scheduled maintenance, also runnable with `npm run jobs -- <name>`. */
import { http } from '@google-cloud/functions-framework';
import {
  applyRetention,
  collectMetrics,
  enforceReviewSlas,
  expireQuotes,
  jobsRoutes,
  pollPendingPayments,
  reconcile,
  releaseExpiredClaims,
  sweepOutbox,
  sweepRefunds,
} from '../../shared/api/jobs.routes';
import { redriveWebhooks } from '../../shared/api/jobs.routes';
import { runDailyReconciliation } from '../../shared/domain/payments/reconciliation';
import { saveReconciliationRun } from '../../shared/domain/payments/reconciliation-runs.repository';
import { collectAndExport } from '../../shared/metrics/instance-metrics';
import { getBank, getPaymentService, getRefundService } from '../../shared/runtime/payments';
import { createHttpFunction } from '../../shared/http/http-function';
import { pipeline } from '../../shared/runtime/pipeline';
import { bindRoute } from '../../shared/http/request-context';
import { getReviewService } from '../../shared/runtime/declarations';
import { getOutboxPublisher } from '../../shared/runtime/bus';
import { getRetentionService } from '../../shared/runtime/privacy';
import { redriveStrandedWebhooks } from '../../shared/domain/payments/webhook-redrive';
import { getRuntime } from '../../shared/runtime/runtime';

export const jobs = {
  'release-expired-claims': async () => ({ processed: await getReviewService().releaseExpiredClaims() }),
  'expire-quotes': async () => ({ processed: await getReviewService().expireQuotes() }),
  /** `processed`: declarations warned or escalated by this run; `remaining`: how many of them were escalated. */
  'enforce-review-slas': async () => {
    const { warned, escalated } = await getReviewService().enforceServiceLevels();
    return { processed: warned + escalated, remaining: escalated };
  },
  'sweep-outbox': async () => {
    const { published, remaining } = await getOutboxPublisher().sweep();
    return { processed: published, remaining };
  },
  /** `processed`: accepted webhooks whose payment event was published again (at most 500 a run). */
  'redrive-webhooks': async () => {
    const rt = getRuntime();
    return { processed: (await redriveStrandedWebhooks({ db: rt.db, clock: rt.clock, logger: rt.logger, publisher: getOutboxPublisher() })).redriven };
  },
  'poll-pending-payments': async () => {
    const { checked, expired } = await getPaymentService().pollPending();
    return { processed: checked, remaining: expired };
  },
  /** `processed`: refunds finished (succeeded or refused); `remaining`: still submitted (BANGE could not be asked). */
  'sweep-refunds': async () => {
    const { succeeded, failed, pending } = await getRefundService().sweep();
    return { processed: succeeded + failed, remaining: pending };
  },
  'collect-metrics': async () => ({ processed: (await collectAndExport(getRuntime().metrics())).exported ? 1 : 0 }),
  /** `date` (YYYY-MM-DD, Africa/Malabo) defaults to yesterday by the runtime's clock. */
  reconcile: async (date?: string) => {
    const rt = getRuntime();
    const report = await runDailyReconciliation(
      {
        db: rt.db,
        bank: getBank(),
        clock: rt.clock,
        logger: rt.logger,
        save: (r, runAt) => saveReconciliationRun(rt.db, r, runAt),
        onDiscrepancy: (problem) => rt.metrics().recorder.increment('reconciliation_discrepancies', { problem }),
      },
      date,
    );
    return { processed: report.matched + report.unmatched.length, remaining: report.unmatched.length };
  },
  'apply-retention': async () => ({ processed: Object.values(await getRetentionService().apply()).reduce((a, b) => a + b, 0) }),
} as const;

export type JobName = keyof typeof jobs;

export const routes = [
  bindRoute(releaseExpiredClaims, async () => ({ status: 200, body: { job: 'release-expired-claims', ...(await jobs['release-expired-claims']()) } })),
  bindRoute(expireQuotes, async () => ({ status: 200, body: { job: 'expire-quotes', ...(await jobs['expire-quotes']()) } })),
  bindRoute(enforceReviewSlas, async () => ({ status: 200, body: { job: 'enforce-review-slas', ...(await jobs['enforce-review-slas']()) } })),
  bindRoute(sweepOutbox, async () => ({ status: 200, body: { job: 'sweep-outbox', ...(await jobs['sweep-outbox']()) } })),
  bindRoute(redriveWebhooks, async () => ({ status: 200, body: { job: 'redrive-webhooks', ...(await jobs['redrive-webhooks']()) } })),
  bindRoute(pollPendingPayments, async () => ({ status: 200, body: { job: 'poll-pending-payments', ...(await jobs['poll-pending-payments']()) } })),
  bindRoute(sweepRefunds, async () => ({ status: 200, body: { job: 'sweep-refunds', ...(await jobs['sweep-refunds']()) } })),
  bindRoute(collectMetrics, async () => ({ status: 200, body: { job: 'collect-metrics', ...(await jobs['collect-metrics']()) } })),
  bindRoute(reconcile, async ({ body }) => ({ status: 200, body: { job: 'reconcile', ...(await jobs.reconcile(body?.date)) } })),
  bindRoute(applyRetention, async () => ({ status: 200, body: { job: 'apply-retention', ...(await jobs['apply-retention']()) } })),
];

export const definitions = jobsRoutes;

http('jobs', createHttpFunction({ routes, ...pipeline }));
