-- Notifications: the push device tokens of each user, and every delivery attempt of every
-- notification with its outcome (the consumer's de-duplication record as well as its history).

-- migrate:up
-- One row per app installation. The token is the key: when another user signs in on the same
-- device, the token moves to them instead of notifying both.
CREATE TABLE device_tokens (
  token text PRIMARY KEY CHECK (length(token) BETWEEN 1 AND 4096),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  platform text NOT NULL CHECK (platform IN ('android', 'ios', 'web')),
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL
);
CREATE INDEX device_tokens_user_idx ON device_tokens (user_id, last_seen_at DESC);

-- user_id has no foreign key on purpose: an event naming a user that does not exist is recorded
-- too (outcome skipped), and the history outlives the user.
CREATE TABLE notification_deliveries (
  id uuid PRIMARY KEY,
  event_id text NOT NULL,
  event_type text NOT NULL,
  user_id uuid NOT NULL,
  channel text NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
  template text NOT NULL,
  -- NULL when the user was not found.
  locale text CHECK (locale IN ('es', 'fr', 'en')),
  attempt integer NOT NULL CHECK (attempt >= 1),
  outcome text NOT NULL CHECK (outcome IN ('sent', 'failed', 'skipped')),
  -- Settled: no later delivery of the event tries this channel again. Sent and skipped always are;
  -- a failure is settled only when the provider refused the recipient itself (retrying cannot help).
  final boolean NOT NULL,
  -- Short, and never a secret or a message body (see docs/NOTIFICATIONS.md).
  error text CHECK (length(error) <= 300),
  at timestamptz NOT NULL,
  CHECK (outcome = 'failed' OR final),
  CHECK ((outcome = 'sent') = (error IS NULL))
);
-- At most one settled row per event and channel: the same event delivered again sends nothing more.
CREATE UNIQUE INDEX notification_deliveries_settled_key ON notification_deliveries (event_id, channel) WHERE final;
CREATE INDEX notification_deliveries_event_idx ON notification_deliveries (event_id);
CREATE INDEX notification_deliveries_user_idx ON notification_deliveries (user_id, at DESC);

-- migrate:down
DROP TABLE notification_deliveries;
DROP TABLE device_tokens;
