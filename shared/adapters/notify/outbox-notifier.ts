/** Local default notifier: messages land in the notification_outbox table, with a console line that names them. */
import type { Queryable } from '../../adapters/db/database';
import type { Logger } from '../../logging/logger';
import type { Clock } from '../../ports/clock.port';
import type { IdGenerator } from '../../ports/ids.port';
import type { Notifier } from '../../ports/notifier.port';

function mask(recipient: string): string {
  const at = recipient.indexOf('@');
  if (at > 0) return `${recipient[0]}***${recipient.slice(at)}`;
  return recipient.length > 4 ? `***${recipient.slice(-2)}` : '***';
}

export function createOutboxNotifier(deps: { db: Queryable; clock: Clock; ids: IdGenerator; logger: Logger }): Notifier {
  return {
    async send(message) {
      await deps.db.query(
        'INSERT INTO notification_outbox (id, channel, recipient, template, locale, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [deps.ids.uuid(), message.channel, message.recipient, message.template, message.locale, JSON.stringify(message.payload), deps.clock.now()],
      );
      deps.logger.info(`${message.channel} "${message.template}" to ${mask(message.recipient)} written to notification_outbox`);
    },
  };
}
