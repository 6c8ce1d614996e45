/** The notifiers of a runtime (each channel's provider when configured, else the local outbox) and the consumers that send notifications. */
import path from 'node:path';
import { createChannelNotifiers } from '../adapters/notify/channel-notifiers';
import type { Config } from '../config/config';
import { createPasswordResetLinks } from '../domain/identity/password-reset-links';
import { createNotificationsHandler } from '../domain/notifications/notifications.handler';
import { perRuntime } from './runtime';
import type { SubscriptionHandlers } from './subscriptions';

/** Where development and tests find each message kept instead of sent, rendered whole (reset links included): DATA_DIR/mail. */
export const mailDropOf = (config: Pick<Config, 'environment' | 'dataDir'>): string | undefined =>
  config.environment === 'development' || config.environment === 'test' ? path.join(config.dataDir, 'mail') : undefined;

export const getChannelNotifiers = perRuntime((rt) =>
  createChannelNotifiers(rt.config.notifications, { db: rt.db, clock: rt.clock, ids: rt.ids, logger: rt.logger, mailDrop: mailDropOf(rt.config) }),
);

export const getNotificationsHandlers = perRuntime((rt) =>
  createNotificationsHandler({
    db: rt.db,
    clock: rt.clock,
    ids: rt.ids,
    logger: rt.logger,
    notifiers: getChannelNotifiers(),
    passwordResetLink: createPasswordResetLinks({ db: rt.db, clock: rt.clock, resetUrl: rt.config.auth.passwordResetUrl }),
    onDelivery: (channel, outcome) => rt.metrics().recorder.increment('notification_deliveries', { channel, outcome }),
  }),
);

/** The subscriptions whose consumers notify (the notify-payer and notifications functions). */
export const notificationSubscriptionHandlers = {
  'notify-payer': () => getNotificationsHandlers().paymentApplied,
  'notify-declaration-events': () => getNotificationsHandlers().declarationEvents,
  'send-notices': () => getNotificationsHandlers().notices,
} satisfies SubscriptionHandlers;
