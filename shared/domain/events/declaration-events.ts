/** The events a declaration emits on `declaration-events`, one per state transition. */

export const DECLARATION_EVENT_SOURCE = '/taxasge/declarations';

/** `type` is `declaration.<to-status>`, e.g. declaration.approved, declaration.documents_requested. */
export interface DeclarationTransitionData {
  declarationId: string;
  reference: string;
  kind: 'service_fee' | 'tax_return';
  ownerId: string;
  ministry: string;
  from: string | null;
  to: string;
  action: string;
  actorId: string | null;
  actorRole: string;
  reason: string | null;
  /** Amount due in integer XAF at the time of the transition. */
  amount: number;
  currency: 'XAF';
  /** Service code (service fees) or tax type (tax returns), for messages. */
  subjectCode: string;
}

export const declarationEventType = (to: string) => `declaration.${to}`;
