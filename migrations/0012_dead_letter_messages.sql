-- Dead letters in production arrive from Pub/Sub's dead-letter topics through the dead-letters
-- function, and a push may come more than once: the Pub/Sub message id of the dead-lettered copy
-- makes recording it idempotent. Rows written by the in-process bus have none.

-- migrate:up
ALTER TABLE dead_letters ADD COLUMN message_id text;
CREATE UNIQUE INDEX dead_letters_message_id_key ON dead_letters (message_id);

-- migrate:down
DROP INDEX dead_letters_message_id_key;
ALTER TABLE dead_letters DROP COLUMN message_id;
