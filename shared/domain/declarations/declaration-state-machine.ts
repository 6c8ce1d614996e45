/**
 * The one state machine of declarations: every allowed transition, who may trigger it, and whether
 * it needs a reason. Migrations 0006 and 0016 mirror this table in `declaration_transitions`, which a trigger
 * enforces on every status change; a test keeps the two identical.
 */

export const DECLARATION_KINDS = ['service_fee', 'tax_return'] as const;
export type DeclarationKind = (typeof DECLARATION_KINDS)[number];

export const DECLARATION_STATUSES = [
  'draft',
  'awaiting_payment',
  'submitted',
  'in_review',
  'escalated',
  'documents_requested',
  'approved',
  'paid',
  'completed',
  'rejected',
  'cancelled',
  'expired',
  'refunded',
] as const;
export type DeclarationStatus = (typeof DECLARATION_STATUSES)[number];

export type Actor = 'owner' | 'agent' | 'supervisor' | 'finance' | 'system';

export const ACTIONS = [
  'create',
  'submit',
  'cancel',
  'expire',
  'pay',
  'auto_approve',
  'claim',
  'release',
  'approve',
  'reject',
  'request_documents',
  'escalate',
  'resubmit',
  'complete',
  'refund',
  'sla_warning',
] as const;
export type Action = (typeof ACTIONS)[number];

export interface Transition {
  kind: DeclarationKind;
  from: DeclarationStatus | null;
  action: Action;
  to: DeclarationStatus;
  by: readonly Actor[];
  reasonRequired: boolean;
}

const REVIEWERS = ['agent', 'supervisor'] as const;

function t(
  kind: DeclarationKind,
  from: DeclarationStatus | null,
  action: Action,
  to: DeclarationStatus,
  by: readonly Actor[],
  reasonRequired = false,
): Transition {
  return { kind, from, action, to, by, reasonRequired };
}

export const TRANSITIONS: readonly Transition[] = [
  // Service fee: quoted and paid first, reviewed after.
  t('service_fee', null, 'create', 'awaiting_payment', ['owner']),
  t('service_fee', 'awaiting_payment', 'cancel', 'cancelled', ['owner']),
  t('service_fee', 'awaiting_payment', 'expire', 'expired', ['system']),
  t('service_fee', 'awaiting_payment', 'pay', 'paid', ['system']),
  // The bank is the source of truth: money for a quote that expired meanwhile still pays it.
  t('service_fee', 'expired', 'pay', 'paid', ['system']),
  t('service_fee', 'paid', 'auto_approve', 'completed', ['system']),
  t('service_fee', 'paid', 'claim', 'in_review', REVIEWERS),
  t('service_fee', 'in_review', 'release', 'paid', [...REVIEWERS, 'system']),
  t('service_fee', 'in_review', 'approve', 'completed', REVIEWERS),
  t('service_fee', 'in_review', 'reject', 'rejected', REVIEWERS, true),
  t('service_fee', 'in_review', 'request_documents', 'documents_requested', REVIEWERS, true),
  t('service_fee', 'in_review', 'escalate', 'escalated', ['agent', 'system'], true),
  // Review service levels (the review-service-levels job): a warning at 18 h leaves the status as it is
  // and is kept in the history; at 72 h the system escalates to the ministry's supervisors.
  t('service_fee', 'paid', 'sla_warning', 'paid', ['system']),
  t('service_fee', 'in_review', 'sla_warning', 'in_review', ['system']),
  t('service_fee', 'paid', 'escalate', 'escalated', ['system'], true),
  t('service_fee', 'escalated', 'approve', 'completed', ['supervisor']),
  t('service_fee', 'escalated', 'reject', 'rejected', ['supervisor'], true),
  t('service_fee', 'escalated', 'request_documents', 'documents_requested', ['supervisor'], true),
  t('service_fee', 'documents_requested', 'resubmit', 'paid', ['owner']),
  // Finance refunds a rejected fee; a refund started at BANGE moves it as the system.
  t('service_fee', 'rejected', 'refund', 'refunded', ['finance', 'system'], true),
  // Tax return: reviewed first, paid after.
  t('tax_return', null, 'create', 'draft', ['owner']),
  t('tax_return', 'draft', 'submit', 'submitted', ['owner']),
  t('tax_return', 'draft', 'cancel', 'cancelled', ['owner']),
  t('tax_return', 'submitted', 'cancel', 'cancelled', ['owner']),
  t('tax_return', 'submitted', 'claim', 'in_review', REVIEWERS),
  t('tax_return', 'in_review', 'release', 'submitted', [...REVIEWERS, 'system']),
  t('tax_return', 'in_review', 'approve', 'approved', REVIEWERS),
  t('tax_return', 'in_review', 'reject', 'rejected', REVIEWERS, true),
  t('tax_return', 'in_review', 'request_documents', 'documents_requested', REVIEWERS, true),
  t('tax_return', 'in_review', 'escalate', 'escalated', ['agent', 'system'], true),
  t('tax_return', 'submitted', 'sla_warning', 'submitted', ['system']),
  t('tax_return', 'in_review', 'sla_warning', 'in_review', ['system']),
  t('tax_return', 'submitted', 'escalate', 'escalated', ['system'], true),
  t('tax_return', 'escalated', 'approve', 'approved', ['supervisor']),
  t('tax_return', 'escalated', 'reject', 'rejected', ['supervisor'], true),
  t('tax_return', 'escalated', 'request_documents', 'documents_requested', ['supervisor'], true),
  t('tax_return', 'documents_requested', 'resubmit', 'submitted', ['owner']),
  t('tax_return', 'approved', 'pay', 'paid', ['system']),
  t('tax_return', 'paid', 'complete', 'completed', ['system']),
];

/** Statuses in which a declaration can be paid: a service fee awaiting payment, an approved tax return. */
export const PAYABLE_STATUSES: readonly DeclarationStatus[] = ['awaiting_payment', 'approved'];

/** Statuses in which a declaration waits in its ministry's review queue. */
export const QUEUE_STATUSES: Record<DeclarationKind, DeclarationStatus> = { service_fee: 'paid', tax_return: 'submitted' };

export function findTransition(kind: DeclarationKind, from: DeclarationStatus | null, action: Action): Transition | undefined {
  return TRANSITIONS.find((x) => x.kind === kind && x.from === from && x.action === action);
}

/** The actions possible from a status, for messages and clients. */
export function actionsFrom(kind: DeclarationKind, from: DeclarationStatus): Action[] {
  return TRANSITIONS.filter((x) => x.kind === kind && x.from === from).map((x) => x.action);
}
