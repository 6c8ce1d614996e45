-- Personal data kept only as long as its purpose needs (docs/PRIVACY.md). An erased account keeps
-- its row, so its fiscal records still have an owner, but loses its email, phone and password; its
-- name and NIF stay only while fiscal records of its own are under legal retention
-- (identity_retained_until), then the retention job clears them too. Raw webhook bodies are cleared
-- after their investigation window (the row, its amounts and its id stay: de-duplication and
-- reconciliation need them). Indexes let the retention job find what is due without scanning.
-- migrate:up
ALTER TABLE users
  ADD COLUMN erased_at timestamptz,
  ADD COLUMN identity_retained_until timestamptz,
  ADD CONSTRAINT users_identity_retention_after_erasure CHECK (identity_retained_until IS NULL OR erased_at IS NOT NULL);
-- A business needs its NIF, unless the account was erased and its NIF is no longer needed.
ALTER TABLE users DROP CONSTRAINT users_check;
ALTER TABLE users ADD CONSTRAINT users_business_tax_id CHECK (role <> 'business' OR tax_id IS NOT NULL OR erased_at IS NOT NULL);
CREATE INDEX users_identity_retention_idx ON users (identity_retained_until) WHERE identity_retained_until IS NOT NULL;

ALTER TABLE webhook_events ALTER COLUMN raw_body DROP NOT NULL, ADD COLUMN raw_body_purged_at timestamptz;

CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);
CREATE INDEX password_resets_expires_idx ON password_resets (expires_at);
CREATE INDEX event_outbox_published_idx ON event_outbox (published_at) WHERE published_at IS NOT NULL;
CREATE INDEX processed_events_processed_idx ON processed_events (processed_at);
CREATE INDEX notification_outbox_created_idx ON notification_outbox (created_at);
CREATE INDEX notification_deliveries_at_idx ON notification_deliveries (at);
CREATE INDEX dead_letters_replayed_idx ON dead_letters (replayed_at) WHERE replayed_at IS NOT NULL;

-- migrate:down
DROP INDEX dead_letters_replayed_idx;
DROP INDEX notification_deliveries_at_idx;
DROP INDEX notification_outbox_created_idx;
DROP INDEX processed_events_processed_idx;
DROP INDEX event_outbox_published_idx;
DROP INDEX password_resets_expires_idx;
DROP INDEX refresh_tokens_expires_idx;
UPDATE webhook_events SET raw_body = '' WHERE raw_body IS NULL;
ALTER TABLE webhook_events DROP COLUMN raw_body_purged_at, ALTER COLUMN raw_body SET NOT NULL;
DROP INDEX users_identity_retention_idx;
ALTER TABLE users DROP CONSTRAINT users_business_tax_id;
UPDATE users SET tax_id = 'ERASED' WHERE role = 'business' AND tax_id IS NULL;
ALTER TABLE users ADD CONSTRAINT users_check CHECK (role <> 'business' OR tax_id IS NOT NULL);
ALTER TABLE users DROP CONSTRAINT users_identity_retention_after_erasure, DROP COLUMN identity_retained_until, DROP COLUMN erased_at;
