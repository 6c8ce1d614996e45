-- Channels of an event being sent right now. Providers (Mailgun, Twilio, FCM) are called outside
-- any transaction, so a slow one holds no database connection; the claim is what keeps a second
-- delivery of the same event from sending it again meanwhile. A claim past its time belongs to a
-- delivery that died mid-send, and the next delivery takes it over.

-- migrate:up
CREATE TABLE notification_claims (
  event_id text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
  claimed_until timestamptz NOT NULL,
  PRIMARY KEY (event_id, channel)
);

-- migrate:down
DROP TABLE notification_claims;
