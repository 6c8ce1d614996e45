/**
 * Local default notifier: messages land in the notification_outbox table, with a console line that
 * names them. Secret values (a reset link) are stored redacted; in development and tests the whole
 * rendered message is also written to the mail drop folder, where a developer opens the link.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Queryable } from '../../ports/database.port';
import type { Logger } from '../../ports/logger.port';
import type { Clock } from '../../ports/clock.port';
import type { IdGenerator } from '../../ports/ids.port';
import type { Notifier, OutgoingMessage } from '../../ports/notifier.port';
import { renderMessage } from '../../domain/notifications/message-renderer';
import { SECRET_VALUES, type TemplateName } from '../../domain/notifications/notification-templates';

export const REDACTED = '[redacted]';

function mask(recipient: string): string {
  const at = recipient.indexOf('@');
  if (at > 0) return `${recipient[0]}***${recipient.slice(at)}`;
  return recipient.length > 4 ? `***${recipient.slice(-2)}` : '***';
}

/** The payload with the template's secret values replaced, as it may be stored. */
export function redacted(message: Pick<OutgoingMessage, 'template' | 'payload'>): Record<string, unknown> {
  const secrets = SECRET_VALUES[message.template as TemplateName] ?? [];
  return Object.fromEntries(Object.entries(message.payload).map(([k, v]) => [k, secrets.includes(k) ? REDACTED : v]));
}

export interface OutboxNotifierDeps {
  db: Queryable;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  /** Development and tests only: a folder receiving each message rendered in full (`<time>-<id>.txt`). */
  mailDrop?: string | undefined;
}

export function createOutboxNotifier(deps: OutboxNotifierDeps): Notifier {
  return {
    async send(message) {
      const id = deps.ids.uuid();
      const at = deps.clock.now();
      await deps.db.query(
        'INSERT INTO notification_outbox (id, channel, recipient, template, locale, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [id, message.channel, message.recipient, message.template, message.locale, JSON.stringify(redacted(message)), at],
        'notification_outbox_insert',
      );
      if (deps.mailDrop) {
        const { subject, text, short } = renderMessage(message);
        const file = path.join(deps.mailDrop, `${at.toISOString().replace(/[:.]/g, '-')}-${id}.txt`);
        // The folder comes from configuration (DATA_DIR), the name from the clock and an id.
        // eslint-disable-next-line security/detect-non-literal-fs-filename
        mkdirSync(deps.mailDrop, { recursive: true });
        // eslint-disable-next-line security/detect-non-literal-fs-filename
        writeFileSync(
          file,
          `To: ${message.recipient}\nChannel: ${message.channel}\nTemplate: ${message.template}\nSubject: ${subject}\n\n${message.channel === 'email' ? text : short}\n`,
          { mode: 0o600 },
        );
      }
      deps.logger.info(`${message.channel} "${message.template}" to ${mask(message.recipient)} written to notification_outbox`);
    },
  };
}
