/**
 * The agents' review queue: per ministry, by priority; claims are exclusive locks that expire;
 * approve, reject, request documents, escalate; plus the system's moves (payment, expiry jobs).
 */
import type { Database, Queryable } from '../../ports/database.port';
import { AppError, ValidationError } from '../../errors/app-error';
import type { Clock } from '../../ports/clock.port';
import type { IdGenerator } from '../../ports/ids.port';
import { enqueueEvent } from '../events/outbox.repository';
import type { OutboxEntry, OutboxPublisher } from '../../ports/outbox.port';
import { NOTICE_EVENT_SOURCE, REVIEW_ESCALATED, REVIEW_SLA_WARNING, type ReviewAlertData } from '../events/notice-events';
import type { Principal } from '../identity/principal';
import { actorFor, assertCanRead } from './declaration-access';
import { applyTransition, committing, type TransitionListener, type TransitionRequest } from './declaration-transitions';
import { QUEUE_STATUSES, type Action, type DeclarationStatus } from './declaration-state-machine';
import type { Declaration } from './declaration.types';
import * as repo from './declarations.repository';

export const CLAIM_MINUTES = 120;
/** Review targets: a warning at 18 h of waiting, escalation due at 72 h. */
export const SLA_WARNING_HOURS = 18;
export const SLA_ESCALATE_HOURS = 72;
/** Above this relative difference from the declared amount, only a supervisor may approve. */
export const MAX_AGENT_ADJUSTMENT = 0.2;

export interface QueueItem {
  declaration: Declaration;
  waitingHours: number;
  sla: 'ok' | 'warning' | 'overdue';
  claimedByOther: boolean;
}

/** The decisions of a reviewer (auto-approval is the system's, not a decision). */
const DECISIONS: Partial<Record<Action, ReviewDecision['decision']>> = {
  approve: 'approved',
  reject: 'rejected',
  request_documents: 'documents_requested',
  escalate: 'escalated',
};

/** A reviewer's committed decision, and how long the declaration had waited since it entered the queue. */
export interface ReviewDecision {
  ministry: string;
  decision: 'approved' | 'rejected' | 'documents_requested' | 'escalated';
  waitedSeconds: number;
}

export interface ReviewServiceDeps {
  db: Database;
  clock: Clock;
  ids: IdGenerator;
  publisher: OutboxPublisher;
  claimMinutes?: number;
  /** Each transition, once committed (metrics: declaration_transitions). Those of markPaid are reported by its caller, which commits them. */
  onTransition?: TransitionListener;
  /** Each reviewer decision, once committed (metrics: review_decisions, review_duration_seconds). */
  onDecision?: (decision: ReviewDecision) => void;
  /** Each claim the scheduled job released because it expired before a decision, once committed. */
  onClaimExpired?: (ministry: string) => void;
}

export function createReviewService(deps: ReviewServiceDeps) {
  const { db, clock, ids } = deps;
  const claimMs = (deps.claimMinutes ?? CLAIM_MINUTES) * 60_000;

  const commit = committing(deps);

  /** Locks the row and resolves the caller as agent or supervisor of its ministry. */
  async function loadAsReviewer(tx: Queryable, principal: Principal, id: string) {
    const current = await repo.findDeclaration(tx, id, true);
    assertCanRead(principal, current, id);
    const actor = actorFor(principal, current);
    if (actor !== 'agent' && actor !== 'supervisor')
      throw new AppError('forbidden', `Only agents and supervisors of ${current.ministry} review this declaration.`);
    return { current, actor };
  }

  function assertHolds(principal: Principal, d: Declaration, now: Date) {
    if (d.status !== 'in_review') return;
    if (d.claimedBy !== principal.userId) {
      throw new AppError('claimed_by_another_reviewer', `This declaration is claimed by another reviewer until ${d.claimExpiresAt!.toISOString()}.`);
    }
    if (d.claimExpiresAt! <= now) throw new AppError('claim_expired', 'Your claim on this declaration has expired; claim it again.');
  }

  async function decide(principal: Principal, id: string, build: (d: Declaration, actor: 'agent' | 'supervisor') => Omit<TransitionRequest, 'acting'>) {
    let decided: ReviewDecision | undefined;
    const result = await commit(async (tx, events) => {
      const now = clock.now();
      const { current, actor } = await loadAsReviewer(tx, principal, id);
      assertHolds(principal, current, now);
      const request = build(current, actor);
      const { declaration, event } = await applyTransition(tx, ids, now, current, {
        ...request,
        acting: { actor, userId: principal.userId },
        patch: { claimedBy: null, claimExpiresAt: null, ...request.patch },
      });
      events.push(event);
      const decision = DECISIONS[request.action];
      // Waiting is counted as the queue counts it: from entering the queue (queuedAt), else from creation.
      if (decision)
        decided = {
          ministry: current.ministry,
          decision,
          waitedSeconds: Math.max(0, (now.getTime() - (current.queuedAt ?? current.createdAt).getTime()) / 1000),
        };
      return declaration;
    });
    // Reached only once the transaction committed.
    if (decided) deps.onDecision?.(decided);
    return result;
  }

  return {
    async queue(principal: Principal, ministry: string | undefined, limit: number): Promise<QueueItem[]> {
      if (ministry && !principal.ministries.includes(ministry))
        throw new AppError('forbidden', `You review ${principal.ministries.join(', ') || 'no ministry'}, not ${ministry}.`);
      const ministries = ministry ? [ministry] : principal.ministries;
      if (ministries.length === 0) return [];
      const statuses: DeclarationStatus[] = [QUEUE_STATUSES.service_fee, QUEUE_STATUSES.tax_return, 'in_review'];
      if (principal.role === 'supervisor') statuses.push('escalated');
      const now = clock.now();
      const rows = await repo.listQueue(db, ministries, statuses, limit);
      return rows.map((d) => {
        const waitingHours = Math.floor((now.getTime() - (d.queuedAt ?? d.createdAt).getTime()) / 3_600_000);
        return {
          declaration: d,
          waitingHours,
          sla: waitingHours >= SLA_ESCALATE_HOURS ? 'overdue' : waitingHours >= SLA_WARNING_HOURS ? 'warning' : 'ok',
          claimedByOther: d.status === 'in_review' && d.claimedBy !== principal.userId && d.claimExpiresAt! > now,
        };
      });
    },

    /** Exclusive: the row lock serialises claimers, and the state machine lets only the first through. */
    async claim(principal: Principal, id: string): Promise<Declaration> {
      return commit(async (tx, events) => {
        const now = clock.now();
        const { current, actor } = await loadAsReviewer(tx, principal, id);
        const until = new Date(now.getTime() + claimMs);
        if (current.status === 'in_review') {
          assertHolds(principal, current, now);
          return repo.updateDeclaration(tx, id, { claimExpiresAt: until }, now);
        }
        const { declaration, event } = await applyTransition(tx, ids, now, current, {
          action: 'claim',
          acting: { actor, userId: principal.userId },
          patch: { claimedBy: principal.userId, claimExpiresAt: until },
        });
        events.push(event);
        return declaration;
      });
    },

    release: (principal: Principal, id: string) => decide(principal, id, () => ({ action: 'release' })),

    approve: (principal: Principal, id: string, validatedAmount: number | undefined, comment?: string) =>
      decide(principal, id, (d, actor) => {
        if (d.kind === 'service_fee') {
          if (validatedAmount !== undefined)
            throw new ValidationError('A service fee is approved at its quoted amount.', [
              { path: 'body.validatedAmount', message: 'not allowed for a service fee' },
            ]);
          return { action: 'approve', comment };
        }
        const declared = d.declaredAmount!;
        const validated = validatedAmount ?? declared;
        const adjustment = declared === 0 ? (validated === 0 ? 0 : Infinity) : Math.abs(validated - declared) / declared;
        if (adjustment > MAX_AGENT_ADJUSTMENT && actor !== 'supervisor') {
          throw new AppError(
            'forbidden',
            `${validated} XAF is ${Number.isFinite(adjustment) ? `${Math.round(adjustment * 100)} %` : 'far'} away from the declared ${declared} XAF; adjustments above ${MAX_AGENT_ADJUSTMENT * 100} % need a supervisor: escalate it.`,
          );
        }
        return { action: 'approve', comment, patch: { validatedAmount: validated, amount: validated } };
      }),

    reject: (principal: Principal, id: string, reason: string, comment?: string) => decide(principal, id, () => ({ action: 'reject', reason, comment })),

    requestDocuments: (principal: Principal, id: string, documents: string[], message: string) =>
      decide(principal, id, () => ({ action: 'request_documents', reason: `${message.trim()}${documents.length ? ` [${documents.join('; ')}]` : ''}` })),

    escalate: (principal: Principal, id: string, reason: string) => decide(principal, id, () => ({ action: 'escalate', reason })),

    /** Scheduled: claims whose lock expired go back to the queue. */
    async releaseExpiredClaims(limit = 500): Promise<number> {
      const expired = await repo.findExpiredClaims(db, clock.now(), limit);
      let released = 0;
      for (const id of expired) {
        // The ministry of the released claim, or undefined when there was nothing to release.
        const ministry = await commit(async (tx, events) => {
          const current = await repo.findDeclaration(tx, id, true);
          const now = clock.now();
          if (!current || current.status !== 'in_review' || current.claimExpiresAt! > now) return undefined;
          const { event } = await applyTransition(tx, ids, now, current, {
            action: 'release',
            acting: { actor: 'system', userId: null },
            reason: 'claim expired',
            patch: { claimedBy: null, claimExpiresAt: null },
          });
          events.push(event);
          return current.ministry;
        });
        if (ministry !== undefined) {
          released++;
          deps.onClaimExpired?.(ministry);
        }
      }
      return released;
    },

    /**
     * Scheduled (review-service-levels): declarations waiting in review (queued or claimed) since
     * SLA_WARNING_HOURS get one `sla_warning` in their history per stay in the queue and a message to
     * each agent of the ministry; since SLA_ESCALATE_HOURS the system escalates them (a claim is
     * dropped) and tells each supervisor. Each declaration in its own transaction, its messages queued
     * in it: a second run finds nothing more to do.
     */
    async enforceServiceLevels(limit = 500): Promise<{ warned: number; escalated: number }> {
      const hour = 3_600_000;
      const started = clock.now();
      const due = await repo.findReviewsPastWarning(
        db,
        new Date(started.getTime() - SLA_WARNING_HOURS * hour),
        new Date(started.getTime() - SLA_ESCALATE_HOURS * hour),
        limit,
      );
      const done = { warned: 0, escalated: 0 };
      for (const id of due) {
        const outcome = await commit(async (tx, events) => {
          const current = await repo.findDeclaration(tx, id, true);
          const now = clock.now();
          if (!current || (current.status !== QUEUE_STATUSES[current.kind] && current.status !== 'in_review')) return undefined;
          const since = current.queuedAt ?? current.createdAt;
          const waitingHours = Math.floor((now.getTime() - since.getTime()) / hour);
          const system = { actor: 'system' as const, userId: null };
          let step: 'warned' | 'escalated';
          if (waitingHours >= SLA_ESCALATE_HOURS) {
            const reason = `review overdue: waiting ${waitingHours} h (escalation at ${SLA_ESCALATE_HOURS} h)`;
            events.push(
              (await applyTransition(tx, ids, now, current, { action: 'escalate', acting: system, reason, patch: { claimedBy: null, claimExpiresAt: null } }))
                .event,
            );
            step = 'escalated';
          } else if (waitingHours >= SLA_WARNING_HOURS && !(await repo.warnedSince(tx, id, since))) {
            const reason = `waiting ${waitingHours} h for review (warning at ${SLA_WARNING_HOURS} h)`;
            events.push((await applyTransition(tx, ids, now, current, { action: 'sla_warning', acting: system, reason })).event);
            step = 'warned';
          } else return undefined;
          const role = step === 'escalated' ? 'supervisor' : 'agent';
          for (const userId of await repo.findMinistryReviewers(tx, current.ministry, role)) {
            const data: ReviewAlertData = {
              userId,
              declarationId: current.id,
              reference: current.reference,
              kind: current.kind,
              ministry: current.ministry,
              waitingHours,
            };
            const entry: OutboxEntry = {
              topic: 'notifications',
              event: {
                id: ids.uuid(),
                type: step === 'escalated' ? REVIEW_ESCALATED : REVIEW_SLA_WARNING,
                source: NOTICE_EVENT_SOURCE,
                subject: current.id,
                time: now.toISOString(),
                data,
              },
            };
            await enqueueEvent(tx, entry, now);
            events.push(entry);
          }
          return step;
        });
        if (outcome) done[outcome]++;
      }
      return done;
    },

    /** Scheduled: unpaid quotes past their expiry. */
    async expireQuotes(limit = 500): Promise<number> {
      const expired = await repo.findExpiredQuotes(db, clock.now(), limit);
      let count = 0;
      for (const id of expired) {
        const done = await commit(async (tx, events) => {
          const current = await repo.findDeclaration(tx, id, true);
          const now = clock.now();
          if (!current || current.status !== 'awaiting_payment' || current.quoteExpiresAt! > now) return false;
          events.push((await applyTransition(tx, ids, now, current, { action: 'expire', acting: { actor: 'system', userId: null } })).event);
          return true;
        });
        if (done) count++;
      }
      return count;
    },

    /**
     * The payment for a declaration succeeded (called by the payments consumer inside its transaction).
     * A service fee at or below its ministry's threshold is approved at once; otherwise it joins the
     * queue. A tax return is complete once paid. Returns the events to publish (and report, with
     * reportTransitions) after commit.
     */
    /**
     * `locked`: the declaration as the caller read it under FOR UPDATE in `tx`, which spares reading it
     * again. `enqueue: false`: the events are returned unwritten, for the caller to write with its own.
     */
    async markPaid(
      tx: Queryable,
      id: string,
      locked?: Declaration,
      options: { enqueue?: boolean } = {},
    ): Promise<{ declaration: Declaration; events: OutboxEntry[] }> {
      const now = clock.now();
      const current = locked?.id === id ? locked : await repo.findDeclaration(tx, id, true);
      if (!current) throw new ValidationError(`No declaration ${id}.`, [{ path: 'declarationId', message: 'unknown' }]);
      const system = { actor: 'system' as const, userId: null };
      const paid = await applyTransition(tx, ids, now, current, {
        action: 'pay',
        acting: system,
        enqueue: options.enqueue,
        ...(current.kind === 'service_fee' ? { patch: { queuedAt: now } } : {}),
      });
      const events = [paid.event];
      let declaration = paid.declaration;
      if (declaration.kind === 'tax_return') {
        const done = await applyTransition(tx, ids, now, declaration, { action: 'complete', acting: system, enqueue: options.enqueue });
        events.push(done.event);
        declaration = done.declaration;
      } else if (declaration.amount <= (await repo.autoApprovalThreshold(tx, declaration.ministry))) {
        const done = await applyTransition(tx, ids, now, declaration, {
          action: 'auto_approve',
          acting: system,
          enqueue: options.enqueue,
          reason: 'at or below the ministry auto-approval threshold',
        });
        events.push(done.event);
        declaration = done.declaration;
      }
      return { declaration, events };
    },
  };
}

export type ReviewService = ReturnType<typeof createReviewService>;
