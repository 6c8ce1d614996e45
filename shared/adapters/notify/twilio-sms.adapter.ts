/** SMS through Twilio's HTTP API (`POST /2010-04-01/Accounts/<sid>/Messages.json`, form-encoded, basic auth sid:token). */
import { renderMessage } from '../../domain/notifications/message-renderer';
import type { Notifier } from '../../ports/notifier.port';
import { postForm } from './provider-http.client';

export interface TwilioSettings {
  /** `AC…` */
  accountSid: string;
  authToken: string;
  /** The sender: an E.164 number (`+240…`) or an alphanumeric sender id where the country allows it. */
  from: string;
  /** `https://api.twilio.com`; configurable for tests. */
  baseUrl: string;
  timeoutMs: number;
}

/**
 * Twilio error codes that mean this number will never take an SMS: invalid number (21211), number
 * unreachable (21214, 21612), recipient opted out (21610), not a mobile number (21614). Other 400s
 * (region not enabled, bad sender) are configuration problems: retried, then dead-lettered for replay.
 */
const RECIPIENT_ERRORS = new Set([21211, 21214, 21610, 21612, 21614]);

function twilioCode(body: unknown): number | undefined {
  return body && typeof body === 'object' && 'code' in body && typeof body.code === 'number' ? body.code : undefined;
}

export function createTwilioSmsNotifier(settings: TwilioSettings): Notifier {
  const url = `${settings.baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(settings.accountSid)}/Messages.json`;
  return {
    async send(message) {
      if (message.channel !== 'sms') throw new Error(`the Twilio notifier sends SMS; got a message for the ${message.channel} channel`);
      const { short } = renderMessage(message);
      await postForm({
        provider: 'Twilio',
        url,
        username: settings.accountSid,
        password: settings.authToken,
        fields: { To: message.recipient, From: settings.from, Body: short },
        timeoutMs: settings.timeoutMs,
        // The code alone: Twilio's message text quotes the number it refused.
        describe: (body) => {
          const code = twilioCode(body);
          return code === undefined ? undefined : `Twilio error ${code}`;
        },
        recipientUnreachable: (status, body) => status === 400 && RECIPIENT_ERRORS.has(twilioCode(body) ?? 0),
      });
    },
  };
}
