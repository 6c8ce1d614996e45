/**
 * Applies one state-machine transition inside a transaction: checks it, updates the row, records the
 * history, and queues the `declaration-events` event in the outbox. Every status change goes through here.
 */
import type { Database, Queryable } from '../../ports/database.port';
import { AppError, ValidationError } from '../../errors/app-error';
import type { IdGenerator } from '../../ports/ids.port';
import { DECLARATION_EVENT_SOURCE, declarationEventType, type DeclarationTransitionData } from '../events/declaration-events';
import { enqueueEvent } from '../events/outbox.repository';
import type { OutboxEntry, OutboxPublisher } from '../../ports/outbox.port';
import { actionsFrom, findTransition, type Action, type Actor } from './declaration-state-machine';
import type { Declaration } from './declaration.types';
import { insertHistory, updateDeclaration, type DeclarationPatch } from './declarations.repository';

export interface Acting {
  actor: Actor;
  /** The account, or null for the system (payments, scheduled jobs). */
  userId: string | null;
}

/** A declaration change that has committed: a creation (`from` null) or a transition. */
export interface CommittedTransition {
  kind: DeclarationTransitionData['kind'];
  from: string | null;
  to: string;
  action: string;
  ministry: string;
  /** Service code (service fees) or tax type (tax returns). */
  subject: string;
}

/** Told of each declaration change once its transaction has committed (metrics); the domain knows no metrics SDK. */
export type TransitionListener = (change: CommittedTransition) => void;

/**
 * Tells the listener of every declaration change among events just committed. Every change queues
 * exactly one `declaration-events` event (see applyTransition), so the committed events are the
 * committed changes; call it after the commit, never inside the transaction.
 */
export function reportTransitions(events: readonly OutboxEntry[], listener: TransitionListener | undefined): void {
  if (!listener) return;
  for (const { topic, event } of events) {
    if (topic !== 'declaration-events') continue;
    const d = event.data as DeclarationTransitionData;
    listener({ kind: d.kind, from: d.from, to: d.to, action: d.action, ministry: d.ministry, subject: d.subjectCode });
  }
}

/** A change in one transaction, then its declaration transitions reported and the events it queued published. */
export function committing(deps: {
  db: Pick<Database, 'transaction'>;
  publisher: Pick<OutboxPublisher, 'publishCommitted'>;
  onTransition?: TransitionListener | undefined;
}) {
  return async function commit<T>(work: (tx: Queryable, events: OutboxEntry[]) => Promise<T>): Promise<T> {
    const events: OutboxEntry[] = [];
    const result = await deps.db.transaction((tx) => work(tx, events));
    reportTransitions(events, deps.onTransition);
    await deps.publisher.publishCommitted(events);
    return result;
  };
}

export interface TransitionRequest {
  action: Action;
  acting: Acting;
  reason?: string | undefined;
  /** A reviewer's note on a decision, kept in the history beside the reason (not sent to the owner). */
  comment?: string | undefined;
  patch?: DeclarationPatch;
  /** false: the caller writes the returned event to the outbox itself, with others of its transaction in one statement. */
  enqueue?: boolean;
}

export async function applyTransition(
  tx: Queryable,
  ids: IdGenerator,
  at: Date,
  current: Declaration,
  request: TransitionRequest,
): Promise<{ declaration: Declaration; event: OutboxEntry }> {
  const transition = findTransition(current.kind, current.status, request.action);
  if (!transition) {
    const possible = actionsFrom(current.kind, current.status);
    throw new AppError(
      'transition_not_allowed',
      `Cannot ${request.action.replace('_', ' ')} this ${current.kind.replace('_', ' ')}: it is ${current.status}` +
        (possible.length ? `; from ${current.status} it can: ${possible.join(', ')}.` : `, which is final.`),
    );
  }
  if (!transition.by.includes(request.acting.actor)) {
    throw new AppError(
      'forbidden',
      `Only ${transition.by.join(' or ')} may ${request.action.replace('_', ' ')} a ${current.kind.replace('_', ' ')} that is ${current.status}.`,
    );
  }
  const reason = request.reason?.trim() || null;
  if (transition.reasonRequired && !reason) {
    throw new ValidationError(`A reason is required to ${request.action.replace('_', ' ')}.`, [{ path: 'body.reason', message: 'required' }]);
  }
  const declaration = await updateDeclaration(tx, current.id, { ...request.patch, status: transition.to }, at);
  const comment = request.comment?.trim() || null;
  await insertHistory(tx, current.id, {
    from: current.status,
    to: transition.to,
    action: request.action,
    at,
    by: request.acting.userId,
    byRole: request.acting.actor,
    reason,
    comment,
  });
  const data: DeclarationTransitionData = {
    declarationId: declaration.id,
    reference: declaration.reference,
    kind: declaration.kind,
    ownerId: declaration.ownerId,
    ministry: declaration.ministry,
    from: current.status,
    to: transition.to,
    action: request.action,
    actorId: request.acting.userId,
    actorRole: request.acting.actor,
    reason,
    amount: declaration.amount,
    currency: 'XAF',
    subjectCode: declaration.serviceCode ?? declaration.taxType ?? '',
  };
  const event: OutboxEntry = {
    topic: 'declaration-events',
    event: {
      id: ids.uuid(),
      type: declarationEventType(transition.to),
      source: DECLARATION_EVENT_SOURCE,
      subject: declaration.id,
      time: at.toISOString(),
      data,
    },
  };
  if (request.enqueue !== false) await enqueueEvent(tx, event, at);
  return { declaration, event };
}
