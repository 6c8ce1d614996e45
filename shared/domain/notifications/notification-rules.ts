/** Which events notify, with which template and on which channels: the one table the consumer follows. */
import type { Topic } from '../../ports/event-bus.port';
import type { OutgoingMessage } from '../../ports/notifier.port';
import type { Action, DeclarationStatus } from '../declarations/declaration-state-machine';
import { declarationEventType } from '../events/declaration-events';
import { PASSWORD_RESET_REQUESTED, REVIEW_ESCALATED, REVIEW_SLA_WARNING } from '../events/notice-events';
import {
  declarationEventData,
  passwordResetRequestedData,
  PAYMENT_APPLIED,
  paymentAppliedData,
  readEventData,
  reviewAlertData,
  type DeclarationEventData,
} from './notification-events';
import type { TemplateName, TemplateValues } from './notification-templates';

export type Channel = OutgoingMessage['channel'];
export const CHANNELS = ['email', 'sms', 'push'] as const satisfies readonly Channel[];

/**
 * Whom to notify and the template's values once the recipient's name is known. The recipient is an
 * account, or (a password reset) an address that may have an active account: nothing is sent otherwise.
 */
export type Notice = ({ userId: string } | { email: string }) & {
  values(fullName: string): Record<string, unknown>;
  /** A password reset: its link is minted when the email is sent (the event carries no token). */
  passwordResetRequestId?: string;
};

export interface NotificationRule {
  topic: Topic;
  type: string;
  template: TemplateName;
  channels: readonly Channel[];
  /** The notice for this event, or undefined when this particular event does not notify; throws on malformed data. */
  read(data: unknown): Notice | undefined;
}

type DeclarationTemplate = 'declaration-submitted' | 'declaration-approved' | 'declaration-rejected' | 'documents-requested';
type Common = 'fullName' | 'kind' | 'reference' | 'declarationId';

/**
 * A rule for `declaration.<to>`: only transitions made by one of `actions` notify, because some
 * statuses are reached in several ways (a tax return is `submitted` again when an agent releases
 * their claim, which is not news to its owner).
 */
function onDeclaration<T extends DeclarationTemplate>(
  to: DeclarationStatus,
  actions: readonly Action[],
  template: T,
  channels: readonly Channel[],
  extra: (d: DeclarationEventData) => Omit<TemplateValues<T>, Common>,
): NotificationRule {
  return {
    topic: 'declaration-events',
    type: declarationEventType(to),
    template,
    channels,
    read(data) {
      const d = readEventData(declarationEventData, data);
      if (!(actions as readonly string[]).includes(d.action)) return undefined;
      return { userId: d.ownerId, values: (fullName) => ({ fullName, kind: d.kind, reference: d.reference, declarationId: d.declarationId, ...extra(d) }) };
    },
  };
}

const ALL = CHANNELS;
// A submission acknowledges the owner's own action: email and push, not a paid SMS.
const QUIET = ['email', 'push'] as const;

export const NOTIFICATION_RULES: readonly NotificationRule[] = [
  // Tax returns only: a service fee goes from paid straight to the queue, and its payment message says enough.
  onDeclaration('submitted', ['submit', 'resubmit'], 'declaration-submitted', QUIET, () => ({})),
  // A tax return's approval sets what is now due.
  onDeclaration('approved', ['approve'], 'declaration-approved', ALL, (d) => ({ amountDue: d.amount })),
  // A service fee was paid first, so its approval (by an agent, or automatic under the ministry's threshold) completes it.
  onDeclaration('completed', ['approve', 'auto_approve'], 'declaration-approved', ALL, () => ({ amountDue: null })),
  onDeclaration('rejected', ['reject'], 'declaration-rejected', ALL, (d) => ({ reason: d.reason, refundDue: d.kind === 'service_fee' })),
  onDeclaration('documents_requested', ['request_documents'], 'documents-requested', ALL, (d) => ({ message: d.reason })),
  {
    topic: 'payment-applied',
    type: PAYMENT_APPLIED,
    template: 'payment-received',
    channels: ALL,
    read(data) {
      const d = readEventData(paymentAppliedData, data);
      return {
        userId: d.ownerId,
        values: (fullName): TemplateValues<'payment-received'> => ({ fullName, reference: d.reference, declarationId: d.declarationId, amount: d.amount }),
      };
    },
  },
  // Review service levels (the review-service-levels job): one event per agent, then per supervisor.
  reviewAlert(REVIEW_SLA_WARNING, 'review-sla-warning', QUIET),
  reviewAlert(REVIEW_ESCALATED, 'review-escalated', ALL),
  {
    topic: 'notifications',
    type: PASSWORD_RESET_REQUESTED,
    template: 'password-reset',
    channels: ['email'],
    read(data) {
      const d = readEventData(passwordResetRequestedData, data);
      return { email: d.email, passwordResetRequestId: d.requestId, values: (fullName) => ({ fullName }) };
    },
  },
];

function reviewAlert(type: string, template: 'review-sla-warning' | 'review-escalated', channels: readonly Channel[]): NotificationRule {
  return {
    topic: 'notifications',
    type,
    template,
    channels,
    read(data) {
      const d = readEventData(reviewAlertData, data);
      return {
        userId: d.userId,
        values: (fullName): TemplateValues<typeof template> => ({
          fullName,
          kind: d.kind,
          reference: d.reference,
          declarationId: d.declarationId,
          waitingHours: d.waitingHours,
        }),
      };
    },
  };
}

export function findRule(topic: Topic, type: string): NotificationRule | undefined {
  return NOTIFICATION_RULES.find((r) => r.topic === topic && r.type === type);
}
