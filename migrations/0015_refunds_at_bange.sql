-- Refunds as a payment service provider does them: the row is committed first (`submitted`), BANGE
-- is called with an idempotency key derived from the row (`refund:<id>`), and the outcome is recorded
-- in its own step (`succeeded` with BANGE's refund id, or `failed`). A sweeper finishes rows left
-- `submitted` by asking BANGE. Refunds started at the bank arrive as `payment.refunded` webhooks and
-- are recorded here too (origin `bank`, no requester). A receipt whose money went back is voided.

-- migrate:up
ALTER TABLE refunds DROP CONSTRAINT refunds_status_check;
ALTER TABLE refunds ADD CONSTRAINT refunds_status_check CHECK (status IN ('submitted', 'succeeded', 'failed'));
ALTER TABLE refunds ALTER COLUMN requested_by DROP NOT NULL;
ALTER TABLE refunds
  ADD COLUMN origin text NOT NULL DEFAULT 'finance' CHECK (origin IN ('finance', 'bank')),
  -- The Idempotency-Key of the finance request: a retried request finds its refund instead of making another.
  ADD COLUMN request_key text,
  -- BANGE's id of the refund (its statement lines and webhooks carry it): one row per refund at the bank.
  ADD COLUMN bange_refund_id text UNIQUE,
  ADD COLUMN completed_at timestamptz,
  ADD COLUMN failure text,
  ADD CONSTRAINT refunds_requested_by_finance CHECK (origin = 'bank' OR requested_by IS NOT NULL);
CREATE UNIQUE INDEX refunds_request_key_idx ON refunds (requested_by, request_key) WHERE request_key IS NOT NULL;
CREATE INDEX refunds_submitted_idx ON refunds (created_at) WHERE status = 'submitted';
CREATE INDEX refunds_payment_idx ON refunds (payment_id);

ALTER TABLE receipts
  ADD COLUMN voided_at timestamptz,
  ADD COLUMN void_reason text CHECK (void_reason IN ('refunded')),
  ADD CONSTRAINT receipts_void_has_reason CHECK ((voided_at IS NULL) = (void_reason IS NULL));

-- migrate:down
ALTER TABLE receipts DROP CONSTRAINT receipts_void_has_reason, DROP COLUMN void_reason, DROP COLUMN voided_at;
DROP INDEX refunds_payment_idx;
DROP INDEX refunds_submitted_idx;
DROP INDEX refunds_request_key_idx;
DELETE FROM refunds WHERE status = 'submitted' OR origin = 'bank';
ALTER TABLE refunds
  DROP CONSTRAINT refunds_requested_by_finance,
  DROP COLUMN failure,
  DROP COLUMN completed_at,
  DROP COLUMN bange_refund_id,
  DROP COLUMN request_key,
  DROP COLUMN origin;
ALTER TABLE refunds ALTER COLUMN requested_by SET NOT NULL;
ALTER TABLE refunds DROP CONSTRAINT refunds_status_check;
ALTER TABLE refunds ADD CONSTRAINT refunds_status_check CHECK (status IN ('succeeded', 'failed'));
