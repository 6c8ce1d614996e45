/** Sending a message to a person by email, SMS or push. */
import type { Queryable } from '../adapters/db/database';
import type { Language } from '../domain/catalog/catalog.types';

export interface OutgoingMessage {
  channel: 'email' | 'sms' | 'push';
  recipient: string;
  template: string;
  locale: Language;
  /** Values the template renders; may hold secrets such as a reset link, so never logged. */
  payload: Record<string, unknown>;
}

export interface Notifier {
  /**
   * `tx`: the caller's transaction, for adapters that write to the database (the local outbox), so a
   * caller holding a pooled connection never waits for a second one.
   */
  send(message: OutgoingMessage, tx?: Queryable): Promise<void>;
}
