/** The notifiers of a runtime: each channel's provider when configured, else the local outbox. */
import path from 'node:path';
import { createChannelNotifiers } from '../adapters/notify/channel-notifiers';
import type { Config } from '../config/config';
import { perRuntime } from './runtime';

/** Where development and tests find each message kept instead of sent, rendered whole (reset links included): DATA_DIR/mail. */
export const mailDropOf = (config: Pick<Config, 'environment' | 'dataDir'>): string | undefined =>
  config.environment === 'development' || config.environment === 'test' ? path.join(config.dataDir, 'mail') : undefined;

export const getChannelNotifiers = perRuntime((rt) =>
  createChannelNotifiers(rt.config.notifications, { db: rt.db, clock: rt.clock, ids: rt.ids, logger: rt.logger, mailDrop: mailDropOf(rt.config) }),
);
