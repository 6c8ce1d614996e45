import { TOPICS } from '../../ports/event-bus.port';
import { isTemplateName } from './message-renderer';
import { CHANNELS, findRule, NOTIFICATION_RULES } from './notification-rules';

describe('notification rules', () => {
  it('has at most one rule per topic and event type, each naming a known template and channels', () => {
    const keys = NOTIFICATION_RULES.map((r) => `${r.topic} ${r.type}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const rule of NOTIFICATION_RULES) {
      expect(TOPICS).toContain(rule.topic);
      expect(isTemplateName(rule.template)).toBe(true);
      expect(rule.channels.length).toBeGreaterThan(0);
      for (const c of rule.channels) expect(CHANNELS).toContain(c);
    }
  });

  it('lists exactly the events that notify', () => {
    expect(NOTIFICATION_RULES.map((r) => [r.type, r.template, r.channels.join('+')])).toEqual([
      ['declaration.submitted', 'declaration-submitted', 'email+push'],
      ['declaration.approved', 'declaration-approved', 'email+sms+push'],
      ['declaration.completed', 'declaration-approved', 'email+sms+push'],
      ['declaration.rejected', 'declaration-rejected', 'email+sms+push'],
      ['declaration.documents_requested', 'documents-requested', 'email+sms+push'],
      ['payment.applied', 'payment-received', 'email+sms+push'],
      ['review.sla_warning', 'review-sla-warning', 'email+push'],
      ['review.escalated', 'review-escalated', 'email+sms+push'],
      ['account.password_reset_requested', 'password-reset', 'email'],
    ]);
    expect(findRule('payment-applied', 'declaration.approved')).toBeUndefined();
    expect(findRule('payment-events', 'payment.succeeded')).toBeUndefined();
    expect(findRule('declaration-events', 'declaration.paid')).toBeUndefined();
  });
});
