/** Sending a message to a person by email, SMS or push. */
import type { Language } from './language';

export interface OutgoingMessage {
  channel: 'email' | 'sms' | 'push';
  recipient: string;
  template: string;
  locale: Language;
  /** Values the template renders; may hold secrets such as a reset link, so never logged. */
  payload: Record<string, unknown>;
}

export interface Notifier {
  /** Called with no database connection held: a provider may take its whole timeout. */
  send(message: OutgoingMessage): Promise<void>;
}
