/** The notifiers of a runtime: each channel's provider when configured, else the local outbox. */
import { createChannelNotifiers } from '../adapters/notify/channel-notifiers';
import { perRuntime } from './runtime';

export const getChannelNotifiers = perRuntime((rt) => createChannelNotifiers(rt.config.notifications, { db: rt.db, clock: rt.clock, ids: rt.ids, logger: rt.logger }));
