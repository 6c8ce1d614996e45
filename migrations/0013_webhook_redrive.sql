-- The webhook re-drive (POST /jobs/redrive-webhooks) looks up the payment-events message of each
-- accepted webhook by the webhook id its data carries; so does a duplicate webhook whose message is
-- still unpublished. Without this index both scan the outbox.

-- migrate:up
CREATE INDEX event_outbox_webhook_idx ON event_outbox ((event -> 'data' ->> 'webhookEventId')) WHERE topic = 'payment-events';

-- migrate:down
DROP INDEX event_outbox_webhook_idx;
