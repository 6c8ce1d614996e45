/** Push through Firebase Cloud Messaging with firebase-admin, loaded on the first send (it costs ~140 ms at cold start). */
import type { Message } from 'firebase-admin/messaging';
import { RecipientUnreachableError } from '../../domain/notifications/delivery-errors';
import { renderMessage } from '../../domain/notifications/message-renderer';
import type { Notifier } from '../../ports/notifier.port';

export interface FcmSettings {
  /** The Firebase project; unset = the one of the runtime's service account (Application Default Credentials). */
  projectId?: string;
}

/** The slice of firebase-admin's Messaging this adapter uses; tests pass a fake. */
export interface PushSender {
  send(message: Message): Promise<string>;
}

// A named app: other adapters (Cloud Storage) may own the default app with other options.
const APP_NAME = 'taxasge-notifications';

/** FCM error codes that mean the token is dead (app uninstalled, token rotated or malformed). */
const DEAD_TOKEN = new Set(['messaging/registration-token-not-registered', 'messaging/invalid-registration-token']);

export async function loadFirebaseMessaging(settings: FcmSettings): Promise<PushSender> {
  const { applicationDefault, getApps, initializeApp } = await import('firebase-admin/app');
  const { getMessaging } = await import('firebase-admin/messaging');
  const app =
    getApps().find((a) => a.name === APP_NAME) ??
    initializeApp({ credential: applicationDefault(), ...(settings.projectId ? { projectId: settings.projectId } : {}) }, APP_NAME);
  return getMessaging(app);
}

function errorCode(err: unknown): string | undefined {
  return err && typeof err === 'object' && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

export function createFcmPushNotifier(settings: FcmSettings, options: { load?: (settings: FcmSettings) => Promise<PushSender> } = {}): Notifier {
  const load = options.load ?? loadFirebaseMessaging;
  let sender: Promise<PushSender> | undefined;
  return {
    async send(message) {
      if (message.channel !== 'push') throw new Error(`the FCM notifier sends push; got a message for the ${message.channel} channel`);
      const { subject, short } = renderMessage(message);
      // A failed load (bad credentials file) is retried on the next send rather than cached.
      sender ??= load(settings).catch((err: unknown) => {
        sender = undefined;
        throw err;
      });
      const messaging = await sender;
      const declarationId = message.payload.declarationId;
      try {
        await messaging.send({
          token: message.recipient,
          notification: { title: subject, body: short },
          // What the app needs to open the right screen; FCM data values must be strings.
          data: { template: message.template, ...(typeof declarationId === 'string' ? { declarationId } : {}) },
        });
      } catch (err) {
        // The code only: FCM's own messages may quote the token.
        const code = errorCode(err) ?? 'unknown error';
        if (DEAD_TOKEN.has(code)) throw new RecipientUnreachableError(`FCM refused the device token (${code}); the recipient cannot be reached`);
        throw new Error(`FCM could not send the push (${code})`);
      }
    },
  };
}
