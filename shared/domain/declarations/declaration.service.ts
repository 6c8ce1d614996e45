/** Declarations from the taxpayer's side: quotes, creation, reading, submitting, cancelling, documents. */
import type { Database, Queryable } from '../../ports/database.port';
import { AppError, ValidationError } from '../../errors/app-error';
import type { Clock } from '../../ports/clock.port';
import type { IdGenerator } from '../../ports/ids.port';
import { findServiceByCode } from '../catalog/catalog.repository';
import { DECLARATION_EVENT_SOURCE, declarationEventType, type DeclarationTransitionData } from '../events/declaration-events';
import { enqueueEvent } from '../events/outbox.repository';
import type { OutboxEntry, OutboxPublisher } from '../../ports/outbox.port';
import type { Principal } from '../identity/principal';
import { actorFor, assertCanRead } from './declaration-access';
import { applyTransition, committing, type TransitionListener } from './declaration-transitions';
import { findTransition, type Action, type DeclarationStatus } from './declaration-state-machine';
import type { Declaration, HistoryEntry } from './declaration.types';
import * as repo from './declarations.repository';
import { deadlineOf, periodKind, TAX_TYPES, type TaxType } from './tax-types';

export const QUOTE_HOURS = 72;

export type NewDeclaration =
  | { kind: 'service_fee'; serviceCode: string; feeType: 'expedition' | 'renewal'; data?: Record<string, unknown> | undefined }
  | { kind: 'tax_return'; taxType: TaxType; period: string; declaredAmount: number; data?: Record<string, unknown> | undefined };

export interface DeclarationServiceDeps {
  db: Database;
  clock: Clock;
  ids: IdGenerator;
  publisher: OutboxPublisher;
  /** Each creation and transition, once committed (metrics: new_declarations, declaration_transitions). */
  onTransition?: TransitionListener;
}

/** `TGE-2026-0000427`: year, sequence, and a Luhn check digit that catches a mistyped digit. */
export function formatReference(year: number, sequence: number): string {
  const digits = String(sequence).padStart(6, '0');
  let sum = 0;
  [...digits].reverse().forEach((c, i) => {
    let d = Number(c) * (i % 2 === 0 ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  });
  return `TGE-${year}-${digits}${(10 - (sum % 10)) % 10}`;
}

export function createDeclarationService(deps: DeclarationServiceDeps) {
  const { db, clock, ids } = deps;

  async function quoteServiceFee(tx: Queryable, serviceCode: string, feeType: 'expedition' | 'renewal') {
    const service = await findServiceByCode(tx, serviceCode);
    if (!service || !service.active)
      throw new ValidationError(`No active fiscal service has code ${serviceCode}.`, [{ path: 'body.serviceCode', message: 'unknown service' }]);
    if (!service.payableOnline) {
      throw new AppError(
        'service_not_payable_online',
        `${serviceCode} cannot be paid online yet: its fee is ${service.flags.length ? `under review (${service.flags.join(', ')})` : 'unknown'}. Ask the ministry, or try again once it is corrected.`,
      );
    }
    const amount = feeType === 'expedition' ? service.expeditionAmount : service.renewalAmount;
    if (amount === null) {
      throw new ValidationError(`${serviceCode} has no ${feeType} fee${feeType === 'renewal' ? ' (it is not renewable online)' : ''}.`, [
        { path: 'body.feeType', message: `no ${feeType} fee for this service` },
      ]);
    }
    return { service, amount };
  }

  async function creationEvent(tx: Queryable, d: Declaration, principal: Principal, at: Date): Promise<OutboxEntry> {
    const history: HistoryEntry = { from: null, to: d.status, action: 'create', at, by: principal.userId, byRole: 'owner', reason: null, comment: null };
    await repo.insertHistory(tx, d.id, history);
    const data: DeclarationTransitionData = {
      declarationId: d.id,
      reference: d.reference,
      kind: d.kind,
      ownerId: d.ownerId,
      ministry: d.ministry,
      from: null,
      to: d.status,
      action: 'create',
      actorId: principal.userId,
      actorRole: 'owner',
      reason: null,
      amount: d.amount,
      currency: 'XAF',
      subjectCode: d.serviceCode ?? d.taxType ?? '',
    };
    const event: OutboxEntry = {
      topic: 'declaration-events',
      event: { id: ids.uuid(), type: declarationEventType(d.status), source: DECLARATION_EVENT_SOURCE, subject: d.id, time: at.toISOString(), data },
    };
    await enqueueEvent(tx, event, at);
    return event;
  }

  /** Runs a change in one transaction, then publishes the events it queued. */
  const commit = committing(deps);

  return {
    async create(principal: Principal, input: NewDeclaration): Promise<Declaration> {
      if (principal.role !== 'citizen' && principal.role !== 'business') {
        throw new AppError('forbidden', 'Declarations are filed by citizen and business accounts.');
      }
      return commit(async (tx, events) => {
        const now = clock.now();
        const reference = formatReference(now.getUTCFullYear(), await repo.nextReferenceNumber(tx));
        const base = {
          id: ids.uuid(),
          reference,
          ownerId: principal.userId,
          currency: 'XAF' as const,
          data: input.data ?? {},
          validatedAmount: null,
          claimedBy: null,
          claimExpiresAt: null,
          createdAt: now,
          updatedAt: now,
        };
        let declaration: Declaration;
        if (input.kind === 'service_fee') {
          const { service, amount } = await quoteServiceFee(tx, input.serviceCode, input.feeType);
          declaration = {
            ...base,
            kind: 'service_fee',
            status: findTransition('service_fee', null, 'create')!.to,
            ministry: service.ministry,
            serviceCode: service.code,
            feeType: input.feeType,
            catalogVersion: service.catalogVersion,
            quoteExpiresAt: new Date(now.getTime() + QUOTE_HOURS * 3_600_000),
            taxType: null,
            period: null,
            declaredAmount: null,
            amount,
            deadline: null,
            queuedAt: null,
          };
        } else {
          const allowed: readonly string[] = TAX_TYPES[input.taxType].periods;
          const kind = periodKind(input.period);
          if (!kind || !allowed.includes(kind)) {
            throw new ValidationError(
              `A ${input.taxType} return covers a ${allowed.join(' or ')} period (e.g. ${allowed.includes('monthly') ? '2026-07' : '2025'}).`,
              [{ path: 'body.period', message: `expected a ${allowed.join(' or ')} period` }],
            );
          }
          declaration = {
            ...base,
            kind: 'tax_return',
            status: findTransition('tax_return', null, 'create')!.to,
            ministry: TAX_TYPES[input.taxType].ministry,
            serviceCode: null,
            feeType: null,
            catalogVersion: null,
            quoteExpiresAt: null,
            taxType: input.taxType,
            period: input.period,
            declaredAmount: input.declaredAmount,
            amount: input.declaredAmount,
            deadline: deadlineOf(input.period),
            queuedAt: null,
          };
        }
        await repo.insertDeclaration(tx, declaration);
        events.push(await creationEvent(tx, declaration, principal, now));
        return declaration;
      });
    },

    async get(principal: Principal, id: string): Promise<{ declaration: Declaration; history: HistoryEntry[] }> {
      const declaration = await repo.findDeclaration(db, id);
      assertCanRead(principal, declaration, id);
      return { declaration, history: await repo.findHistory(db, id) };
    },

    async list(
      principal: Principal,
      filter: { status?: DeclarationStatus | undefined; kind?: Declaration['kind'] | undefined },
      page: { after?: { createdAt: string; id: string } | undefined; limit: number },
    ) {
      const scope =
        principal.role === 'agent' || principal.role === 'supervisor'
          ? { ministries: principal.ministries }
          : principal.role === 'admin' || principal.role === 'finance'
            ? {}
            : { ownerId: principal.userId };
      return repo.listDeclarations(
        db,
        { ...scope, ...(filter.status ? { status: filter.status } : {}), ...(filter.kind ? { kind: filter.kind } : {}) },
        { limit: page.limit, ...(page.after ? { after: page.after } : {}) },
      );
    },

    /** submit, cancel, resubmit: the owner's own moves. */
    async ownerAction(principal: Principal, id: string, action: Extract<Action, 'submit' | 'cancel' | 'resubmit'>, reason?: string): Promise<Declaration> {
      return commit(async (tx, events) => {
        const current = await repo.findDeclaration(tx, id, true);
        assertCanRead(principal, current, id);
        const actor = actorFor(principal, current);
        if (!actor) throw new AppError('forbidden', `Only the owner may ${action} this declaration.`);
        const now = clock.now();
        const entersQueue = action === 'submit' || action === 'resubmit';
        const { declaration, event } = await applyTransition(tx, ids, now, current, {
          action,
          acting: { actor, userId: principal.userId },
          reason,
          ...(entersQueue ? { patch: { queuedAt: now } } : {}),
        });
        events.push(event);
        return declaration;
      });
    },
  };
}

export type DeclarationService = ReturnType<typeof createDeclarationService>;
