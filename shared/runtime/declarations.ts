/** Declaration services built once per runtime. */
import { createAutoApprovalService } from '../domain/declarations/auto-approval.service';
import { createDeclarationService } from '../domain/declarations/declaration.service';
import type { TransitionListener } from '../domain/declarations/declaration-transitions';
import { createDocumentService } from '../domain/declarations/document.service';
import { createReviewService } from '../domain/declarations/review.service';
import { getOutboxPublisher } from './bus';
import { getAuditLog } from './identity';
import { perRuntime, type Runtime } from './runtime';

/** Counts committed declaration changes: a creation in new_declarations, any other move in declaration_transitions. */
export function recordDeclarationChanges(rt: Runtime): TransitionListener {
  return (change) => {
    const { recorder } = rt.metrics();
    if (change.from === null) recorder.increment('new_declarations', { kind: change.kind, service: change.subject });
    else recorder.increment('declaration_transitions', { kind: change.kind, from: change.from, to: change.to });
  };
}

export const getDeclarationService = perRuntime((rt) =>
  createDeclarationService({ db: rt.db, clock: rt.clock, ids: rt.ids, publisher: getOutboxPublisher(), onTransition: recordDeclarationChanges(rt) }),
);

export const getReviewService = perRuntime((rt) =>
  createReviewService({
    db: rt.db,
    clock: rt.clock,
    ids: rt.ids,
    publisher: getOutboxPublisher(),
    onTransition: recordDeclarationChanges(rt),
    onDecision: ({ ministry, decision, waitedSeconds }) => {
      const { recorder } = rt.metrics();
      recorder.increment('review_decisions', { ministry, decision });
      recorder.observe('review_duration_seconds', { ministry }, waitedSeconds);
    },
    onClaimExpired: (ministry) => rt.metrics().recorder.increment('review_claims_expired', { ministry }),
  }),
);

export const getDocumentService = perRuntime((rt) => createDocumentService({ db: rt.db, clock: rt.clock, ids: rt.ids, storage: rt.storage }));

export const getAutoApprovalService = perRuntime((rt) => createAutoApprovalService({ db: rt.db, clock: rt.clock, audit: getAuditLog() }));
