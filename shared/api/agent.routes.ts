/** The agent route group: the review queue of the caller's ministries and the review decisions. */
import { z } from 'zod';
import { defineRoute } from '../http/route';
import { LimitSchema, MinistryCodeSchema } from './common.schemas';
import { DeclarationSchema } from './declarations.routes';

const Id = z.strictObject({ id: z.uuid({ message: 'expected a declaration id (UUID)' }) });
const Reason = z.string().trim().min(1, 'expected a reason').max(2000, 'expected at most 2000 characters');
const REVIEWERS = ['agent', 'supervisor'] as const;

export const getQueue = defineRoute({
  operationId: 'getReviewQueue',
  method: 'get',
  path: '/api/v1/agent/queue',
  summary: 'The review queue, by priority: deadline, amount, waiting time',
  tags: ['agent'],
  roles: REVIEWERS,
  query: z.strictObject({
    ministry: MinistryCodeSchema.optional(),
    limit: LimitSchema,
  }),
  responses: {
    200: {
      description: 'Queue items',
      schema: z
        .object({
          items: z.array(
            z.object({
              declaration: DeclarationSchema,
              waitingHours: z.number().int(),
              sla: z.enum(['ok', 'warning', 'overdue']),
              claimedByOther: z.boolean(),
              documents: z.object({ count: z.number().int(), flagged: z.number().int(), unprocessed: z.number().int() }).meta({
                description:
                  "The declaration's documents; flagged: failed a check or read poorly (see GET /api/v1/declarations/{id}/documents); unprocessed: not checked yet.",
              }),
            }),
          ),
        })
        .meta({ id: 'ReviewQueue' }),
    },
  },
});

const decision = <B extends z.ZodType | undefined>(verb: string, operationId: string, summary: string, body: B) =>
  defineRoute({
    operationId,
    method: 'post',
    path: `/api/v1/agent/declarations/{id}/${verb}`,
    summary,
    tags: ['agent'],
    roles: REVIEWERS,
    params: Id,
    body: body as B,
    responses: { 200: { description: 'The declaration after the decision', schema: DeclarationSchema } },
    errors: ['not_found', 'transition_not_allowed', 'claimed_by_another_reviewer', 'claim_expired'],
  });

export const claim = decision('claim', 'claimDeclaration', 'Claim for review: an exclusive lock for 2 hours (409 when another reviewer holds it)', undefined);
export const release = decision('release', 'releaseDeclaration', 'Give a claimed declaration back to the queue', undefined);
export const approve = decision(
  'approve',
  'approveDeclaration',
  'Approve; a tax return may carry the validated amount (more than 20 % from the declared amount needs a supervisor)',
  z
    .strictObject({
      validatedAmount: z.number().int('expected a whole number of XAF').min(1, 'expected 1 XAF or more').max(1_000_000_000_000).optional(),
      comment: z.string().trim().max(2000).optional(),
    })
    .optional(),
);
export const reject = decision(
  'reject',
  'rejectDeclaration',
  'Reject with a reason',
  z.strictObject({ reason: Reason, comment: z.string().trim().max(2000).optional() }),
);
export const requestDocuments = decision(
  'request-documents',
  'requestDocuments',
  'Return to the owner asking for documents',
  z.strictObject({ documents: z.array(z.string().trim().min(1).max(200)).min(1, 'expected at least one document').max(20), message: Reason }),
);
export const escalate = decision('escalate', 'escalateDeclaration', 'Hand to a supervisor with a reason', z.strictObject({ reason: Reason }));

export const agentRoutes = [getQueue, claim, release, approve, reject, requestDocuments, escalate] as const;
