-- Event plumbing: the transactional outbox (events written with the change that caused them and
-- published after commit, or later by the sweeper), the consumers' inbox, and dead letters.

-- migrate:up
CREATE TABLE event_outbox (
  id uuid PRIMARY KEY,
  topic text NOT NULL,
  event jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  published_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text
);
CREATE INDEX event_outbox_pending_idx ON event_outbox (created_at) WHERE published_at IS NULL;

CREATE TABLE processed_events (
  subscription text NOT NULL,
  event_id text NOT NULL,
  processed_at timestamptz NOT NULL,
  PRIMARY KEY (subscription, event_id)
);

CREATE TABLE dead_letters (
  id uuid PRIMARY KEY,
  subscription text NOT NULL,
  topic text NOT NULL,
  event jsonb NOT NULL,
  error text NOT NULL,
  attempts integer NOT NULL,
  dead_at timestamptz NOT NULL,
  replayed_at timestamptz
);
CREATE INDEX dead_letters_open_idx ON dead_letters (dead_at) WHERE replayed_at IS NULL;

-- migrate:down
DROP TABLE dead_letters;
DROP TABLE processed_events;
DROP TABLE event_outbox;
