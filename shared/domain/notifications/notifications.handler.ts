/** The notifications consumer: who gets which message on which channel, sent once per channel, every attempt recorded. */
import type { Database } from '../../ports/database.port';
import type { Logger } from '../../ports/logger.port';
import type { Clock } from '../../ports/clock.port';
import type { Delivery, DomainEvent, EventHandler, Topic } from '../../ports/event-bus.port';
import type { IdGenerator } from '../../ports/ids.port';
import type { Notifier } from '../../ports/notifier.port';
import { RecipientUnreachableError } from './delivery-errors';
import { claimChannels, lockEventDeliveries, recordDeliveriesAndRelease, releaseClaims, type DeliveryOutcome } from './notification-deliveries.repository';
import { findActiveUserIdByEmail, findRecipient, forgetDeviceToken, type Recipient } from './notification-recipients.repository';
import { findRule, type Channel, type Notice, type NotificationRule } from './notification-rules';
import { toE164 } from './phone-number';

export interface NotificationsDeps {
  db: Database;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  /** One notifier per channel, chosen from configuration by createChannelNotifiers. */
  notifiers: Record<Channel, Notifier>;
  /** How long a delivery may take to send before another delivery of the event takes over (longer than any provider's timeout). */
  claimMs?: number;
  /**
   * Mints the link of a password-reset request for its account, at send time (the event carries no
   * token); undefined when that request was already used. Required to send password resets.
   */
  passwordResetLink?: (userId: string, requestId: string) => Promise<{ link: string; expiresInMinutes: number } | undefined>;
  /** Each channel's attempt, once its outcome is recorded (metrics: notification_deliveries); a failure retried later counts again. */
  onDelivery?: (channel: Channel, outcome: DeliveryOutcome) => void;
}

export interface NotificationHandlers {
  /** For subscription `notify-declaration-events` on topic `declaration-events`. */
  declarationEvents: EventHandler;
  /** For subscription `notify-payer` on topic `payment-applied`. */
  paymentApplied: EventHandler;
  /** For subscription `send-notices` on topic `notifications`: review alerts, password resets. */
  notices: EventHandler;
}

interface ChannelResult {
  channel: Channel;
  outcome: DeliveryOutcome;
  final: boolean;
  error: string | null;
}

const MAX_ERROR_LENGTH = 200;

/** First line of the error, bounded: adapters keep secrets and message text out of their errors. */
function shortError(err: unknown): string {
  const text = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
  return text.length <= MAX_ERROR_LENGTH ? text : `${text.slice(0, MAX_ERROR_LENGTH - 1)}…`;
}

/** The address of a channel, or why there is none (recorded as a skip). */
function addressOf(channel: Channel, user: Recipient): { address: string } | { skip: string } {
  switch (channel) {
    case 'email':
      return { address: user.email };
    case 'sms': {
      if (!user.phone) return { skip: 'the user has no phone number' };
      const e164 = toE164(user.phone);
      return e164 ? { address: e164 } : { skip: 'the phone number is not in international form (+240…)' };
    }
    case 'push':
      return user.deviceToken ? { address: user.deviceToken } : { skip: 'the user has no registered device' };
  }
}

export function createNotificationsHandler(deps: NotificationsDeps): NotificationHandlers {
  const { db, clock, ids, logger, notifiers } = deps;
  const claimMs = deps.claimMs ?? 60_000;

  /** The template's values; a password reset's link is minted now, once the channel is claimed. */
  async function payloadOf(notice: Notice, user: Recipient): Promise<Record<string, unknown> | undefined> {
    const values = notice.values(user.fullName);
    if (!notice.passwordResetRequestId) return values;
    if (!deps.passwordResetLink) throw new Error('password resets need passwordResetLink');
    const minted = await deps.passwordResetLink(user.id, notice.passwordResetRequestId);
    return minted && { ...values, ...minted };
  }

  async function sendOne(channel: Channel, user: Recipient | undefined, rule: NotificationRule, notice: Notice): Promise<ChannelResult> {
    if (!user) return { channel, outcome: 'skipped', final: true, error: 'the user does not exist' };
    const target = addressOf(channel, user);
    if ('skip' in target) return { channel, outcome: 'skipped', final: true, error: target.skip };
    try {
      const payload = await payloadOf(notice, user);
      if (!payload) return { channel, outcome: 'skipped', final: true, error: 'the reset request was already used' };
      await notifiers[channel].send({ channel, recipient: target.address, template: rule.template, locale: user.locale, payload });
      return { channel, outcome: 'sent', final: true, error: null };
    } catch (err) {
      if (err instanceof RecipientUnreachableError) {
        // A dead push token would fail every future notification too.
        if (channel === 'push') await forgetDeviceToken(db, target.address);
        return { channel, outcome: 'failed', final: true, error: shortError(err) };
      }
      return { channel, outcome: 'failed', final: false, error: shortError(err) };
    }
  }

  async function recordResults(
    event: DomainEvent,
    delivery: Delivery,
    rule: NotificationRule,
    userId: string,
    user: Recipient | undefined,
    results: ChannelResult[],
    claimed: Channel[],
  ) {
    const at = clock.now();
    await recordDeliveriesAndRelease(
      db,
      event.id,
      results.map((r) => ({
        id: ids.uuid(),
        eventId: event.id,
        eventType: event.type,
        userId,
        channel: r.channel,
        template: rule.template,
        locale: user?.locale ?? null,
        attempt: delivery.attempt,
        outcome: r.outcome,
        final: r.final,
        error: r.error,
        at,
      })),
      claimed,
    );
  }

  async function handle(topic: Topic, event: DomainEvent, delivery: Delivery): Promise<void> {
    const rule = findRule(topic, event.type);
    if (!rule) return; // Not a notifying event: acknowledge it.
    let notice: Notice | undefined;
    try {
      notice = rule.read(event.data);
    } catch (err) {
      // Retrying cannot repair the data; acknowledge, and say so loudly enough to be found.
      logger.warning('notification skipped: the event data is not what its type promises', { eventId: event.id, type: event.type, error: shortError(err) });
      return;
    }
    if (!notice) return;
    const found = notice;
    // An address (password reset) is told only when an active account has it; an unknown one leaves no trace.
    const userId = 'userId' in found ? found.userId : await findActiveUserIdByEmail(db, found.email);
    if (!userId) {
      logger.info('notification not sent: no active account has the address', { eventId: event.id, type: event.type });
      return;
    }

    // Claim in one short transaction, send with no connection held (a provider may take its whole
    // timeout), record in another: a connection is never held across a network call.
    const now = clock.now();
    const { claimed, busy, user } = await db.transaction(async (tx) => {
      await lockEventDeliveries(tx, event.id);
      const claim = await claimChannels(tx, event.id, rule.channels, now, new Date(now.getTime() + claimMs));
      return { ...claim, user: claim.claimed.length ? await findRecipient(tx, userId) : undefined };
    });
    let results: ChannelResult[];
    try {
      results = await Promise.all(claimed.map((channel) => sendOne(channel, user, rule, found)));
      if (results.length) await recordResults(event, delivery, rule, userId, user, results, claimed);
    } catch (err) {
      // Unrecorded (the database went away mid-way): free the channels at once, so the redelivery
      // sends them again rather than waiting for the claims to lapse. At least once, never lost.
      await releaseClaims(db, event.id, claimed).catch(() => undefined);
      throw err;
    }
    // Recorded and committed: each attempt counts once, whatever happens to the rest of this delivery.
    for (const r of results) deps.onDelivery?.(r.channel, r.outcome);
    if (busy.length) {
      // Another delivery is sending these right now; if it dies, its claim lapses and this retry sends them.
      throw new Error(`notification "${rule.template}" of event ${event.id}: ${busy.join(', ')} being sent by another delivery; retry later`);
    }

    if (!results.length) return;
    const outcomes = Object.fromEntries(results.map((r) => [r.channel, r.outcome]));
    const retry = results.filter((r) => !r.final);
    const fields = { eventId: event.id, type: event.type, template: rule.template, attempt: delivery.attempt, outcomes };
    if (!retry.length) {
      logger.info('notification delivered', fields);
      return;
    }
    // Thrown after the commit, so the failed attempts stay recorded; the redelivery sends only these channels.
    logger.warning('notification failed on some channels; the bus will retry them', fields);
    throw new Error(
      `notification "${rule.template}" of event ${event.id} failed on ${retry.map((r) => `${r.channel} (${r.error})`).join(', ')}; a redelivery retries only these channels`,
    );
  }

  return {
    declarationEvents: (event, delivery) => handle('declaration-events', event, delivery),
    paymentApplied: (event, delivery) => handle('payment-applied', event, delivery),
    notices: (event, delivery) => handle('notifications', event, delivery),
  };
}
