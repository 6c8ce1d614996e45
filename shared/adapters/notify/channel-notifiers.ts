/** Chooses, in this one place, the notifier of each channel from configuration: a provider when configured, the outbox otherwise. */
import type { Notifier, OutgoingMessage } from '../../ports/notifier.port';
import { createFcmPushNotifier, type FcmSettings } from './fcm-push.adapter';
import { createMailgunNotifier, type MailgunSettings } from './mailgun-email.adapter';
import { createOutboxNotifier, type OutboxNotifierDeps } from './outbox-notifier';
import { createTwilioSmsNotifier, type TwilioSettings } from './twilio-sms.adapter';

/** Each provider is used when its settings are present (see docs/NOTIFICATIONS.md for the variables). */
export interface NotificationSettings {
  mailgun?: MailgunSettings;
  twilio?: TwilioSettings;
  fcm?: FcmSettings;
}

export function createChannelNotifiers(settings: NotificationSettings, deps: OutboxNotifierDeps): Record<OutgoingMessage['channel'], Notifier> {
  const outbox = createOutboxNotifier(deps);
  deps.logger.info('notification channels', {
    email: settings.mailgun ? 'mailgun' : 'outbox',
    sms: settings.twilio ? 'twilio' : 'outbox',
    push: settings.fcm ? 'fcm' : 'outbox',
  });
  return {
    email: settings.mailgun ? createMailgunNotifier(settings.mailgun) : outbox,
    sms: settings.twilio ? createTwilioSmsNotifier(settings.twilio) : outbox,
    push: settings.fcm ? createFcmPushNotifier(settings.fcm) : outbox,
  };
}
