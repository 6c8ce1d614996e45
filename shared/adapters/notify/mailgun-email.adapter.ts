/** Email through Mailgun's HTTP API (`POST /v3/<domain>/messages`, form-encoded, basic auth `api:<key>`). */
import { renderMessage } from '../../domain/notifications/message-renderer';
import type { Notifier } from '../../ports/notifier.port';
import { postForm } from './provider-http.client';

export interface MailgunSettings {
  apiKey: string;
  /** The sending domain, e.g. `mg.taxasge.gq`. */
  domain: string;
  /** `https://api.mailgun.net` (US region) or `https://api.eu.mailgun.net` (EU region). */
  baseUrl: string;
  /** The From header, e.g. `TaxasGE <no-reply@mg.taxasge.gq>`. */
  from: string;
  timeoutMs: number;
}

function mailgunDetail(body: unknown): string | undefined {
  return body && typeof body === 'object' && 'message' in body && typeof body.message === 'string' ? body.message : undefined;
}

export function createMailgunNotifier(settings: MailgunSettings): Notifier {
  const url = `${settings.baseUrl.replace(/\/+$/, '')}/v3/${encodeURIComponent(settings.domain)}/messages`;
  return {
    async send(message) {
      if (message.channel !== 'email') throw new Error(`the Mailgun notifier sends email; got a message for the ${message.channel} channel`);
      const { subject, text } = renderMessage(message);
      // Mailgun answers 400 for any bad parameter, the sender's as much as the recipient's: all its failures are retried.
      await postForm({
        provider: 'Mailgun',
        url,
        username: 'api',
        password: settings.apiKey,
        fields: { from: settings.from, to: message.recipient, subject, text, 'o:tag': message.template },
        timeoutMs: settings.timeoutMs,
        describe: mailgunDetail,
      });
    },
  };
}
