-- Payments through BANGE, received webhooks, the double-entry ledger, refunds and receipts.

-- migrate:up
-- The bank is the source of truth for money: a quote that expired on our side but was paid is paid.
INSERT INTO declaration_transitions (kind, from_status, action, to_status) VALUES ('service_fee', 'expired', 'pay', 'paid');

-- Money the bank reports that cannot be applied as is: for finance to resolve, never silently dropped.
CREATE TABLE payment_anomalies (
  id uuid PRIMARY KEY,
  kind text NOT NULL,
  payment_id uuid,
  webhook_event_id text,
  detail text NOT NULL,
  detected_at timestamptz NOT NULL,
  resolved_at timestamptz
);
CREATE INDEX payment_anomalies_open_idx ON payment_anomalies (detected_at) WHERE resolved_at IS NULL;
-- Mirror of shared/domain/payments/payment-state-machine.ts (a test keeps them identical).
CREATE TABLE payment_transitions (from_status text NOT NULL, to_status text NOT NULL, PRIMARY KEY (from_status, to_status));
INSERT INTO payment_transitions (from_status, to_status) VALUES
  ('pending', 'succeeded'),
  ('pending', 'failed'),
  ('pending', 'expired'),
  ('failed', 'succeeded'),
  ('expired', 'succeeded'),
  ('succeeded', 'partially_refunded'),
  ('succeeded', 'refunded'),
  ('partially_refunded', 'partially_refunded'),
  ('partially_refunded', 'refunded');

CREATE SEQUENCE payment_reference_seq;
CREATE SEQUENCE receipt_number_seq;

CREATE TABLE payments (
  id uuid PRIMARY KEY,
  -- Sent to BANGE and echoed in its webhooks.
  reference text NOT NULL UNIQUE,
  declaration_id uuid NOT NULL REFERENCES declarations (id),
  owner_id uuid NOT NULL REFERENCES users (id),
  amount bigint NOT NULL CHECK (amount > 0),
  currency text NOT NULL DEFAULT 'XAF' CHECK (currency = 'XAF'),
  method text NOT NULL CHECK (method IN ('bange_card', 'bange_wallet')),
  status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'expired', 'partially_refunded', 'refunded')),
  bange_payment_id text UNIQUE,
  checkout_url text,
  transaction_id text UNIQUE,
  refunded_amount bigint NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0 AND refunded_amount <= amount),
  expires_at timestamptz NOT NULL,
  paid_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
-- One live payment per declaration: never two that could both take money.
CREATE UNIQUE INDEX payments_one_live_per_declaration ON payments (declaration_id)
  WHERE status IN ('pending', 'succeeded', 'partially_refunded', 'refunded');
CREATE INDEX payments_pending_idx ON payments (created_at) WHERE status = 'pending';

CREATE FUNCTION payments_enforce_transitions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' AND NEW.status <> 'pending' THEN
    RAISE EXCEPTION 'a payment starts pending, not %', NEW.status USING ERRCODE = 'check_violation';
  ELSIF TG_OP = 'UPDATE' AND NEW.status IS DISTINCT FROM OLD.status
        AND NOT EXISTS (SELECT 1 FROM payment_transitions WHERE from_status = OLD.status AND to_status = NEW.status) THEN
    RAISE EXCEPTION 'a payment cannot go from % to %', OLD.status, NEW.status USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER payments_transitions BEFORE INSERT OR UPDATE ON payments FOR EACH ROW EXECUTE FUNCTION payments_enforce_transitions();

CREATE TABLE webhook_events (
  -- BANGE's event id; for a body too malformed to carry one, a hash of the body.
  id text PRIMARY KEY,
  received_at timestamptz NOT NULL,
  type text,
  status text NOT NULL CHECK (status IN ('accepted', 'malformed', 'mismatch', 'unmatched')),
  detail text,
  raw_body text NOT NULL,
  payment_id uuid REFERENCES payments (id),
  transaction_id text,
  amount bigint,
  currency text,
  replayed_at timestamptz
);
CREATE INDEX webhook_events_status_idx ON webhook_events (status, received_at) WHERE status <> 'accepted';
CREATE INDEX webhook_events_received_idx ON webhook_events (received_at);

-- Double entry: every journal's debits equal its credits (checked at commit), nothing is edited.
CREATE TABLE ledger_journals (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('payment', 'refund')),
  -- The bank's transaction (payments) or refund id: the same money is never booked twice.
  external_ref text NOT NULL,
  payment_id uuid NOT NULL REFERENCES payments (id),
  declaration_id uuid NOT NULL REFERENCES declarations (id),
  ministry_code text NOT NULL REFERENCES ministries (code),
  service_code text,
  booked_at timestamptz NOT NULL,
  UNIQUE (kind, external_ref)
);
CREATE INDEX ledger_journals_booked_idx ON ledger_journals (booked_at);

CREATE TABLE ledger_entries (
  id bigserial PRIMARY KEY,
  journal_id uuid NOT NULL REFERENCES ledger_journals (id),
  account text NOT NULL,
  debit bigint NOT NULL DEFAULT 0 CHECK (debit >= 0),
  credit bigint NOT NULL DEFAULT 0 CHECK (credit >= 0),
  CHECK ((debit = 0) <> (credit = 0))
);
CREATE INDEX ledger_entries_journal_idx ON ledger_entries (journal_id);
CREATE INDEX ledger_entries_account_idx ON ledger_entries (account);

CREATE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE unbalanced bigint;
BEGIN
  SELECT sum(debit) - sum(credit) INTO unbalanced FROM ledger_entries WHERE journal_id = NEW.journal_id;
  IF unbalanced <> 0 THEN
    RAISE EXCEPTION 'ledger journal % does not balance (debits - credits = %)', NEW.journal_id, unbalanced USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();

CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the ledger is append-only: book a correcting journal instead';
END;
$$;
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger_entries FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_journals_no_update BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger_journals FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();

CREATE TABLE refunds (
  id uuid PRIMARY KEY,
  payment_id uuid NOT NULL REFERENCES payments (id),
  amount bigint NOT NULL CHECK (amount > 0),
  reason text NOT NULL,
  status text NOT NULL CHECK (status IN ('succeeded', 'failed')),
  requested_by uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL
);

CREATE TABLE receipts (
  id uuid PRIMARY KEY,
  number text NOT NULL UNIQUE,
  payment_id uuid NOT NULL UNIQUE REFERENCES payments (id),
  declaration_id uuid NOT NULL REFERENCES declarations (id),
  token text NOT NULL,
  issued_at timestamptz NOT NULL
);

-- migrate:down
DROP TABLE receipts;
DROP TABLE refunds;
DROP TABLE ledger_entries;
DROP TABLE ledger_journals;
DROP FUNCTION ledger_append_only();
DROP FUNCTION ledger_check_balanced();
DROP TABLE webhook_events;
DROP TABLE payments;
DROP FUNCTION payments_enforce_transitions();
DROP SEQUENCE receipt_number_seq;
DROP SEQUENCE payment_reference_seq;
DROP TABLE payment_transitions;
DROP TABLE payment_anomalies;
DELETE FROM declaration_transitions WHERE kind = 'service_fee' AND from_status = 'expired' AND action = 'pay';
