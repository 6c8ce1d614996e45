-- Declarations (service fees and tax returns) with their state machine mirrored in the database,
-- the transition history, documents, ministries' auto-approval thresholds and idempotency keys.

-- migrate:up
ALTER TABLE ministries ADD COLUMN auto_approval_threshold bigint NOT NULL DEFAULT 0 CHECK (auto_approval_threshold >= 0);

-- Mirror of shared/domain/declarations/declaration-state-machine.ts (a test keeps them identical).
CREATE TABLE declaration_transitions (
  kind text NOT NULL,
  from_status text,
  action text NOT NULL,
  to_status text NOT NULL,
  UNIQUE (kind, from_status, action)
);
INSERT INTO declaration_transitions (kind, from_status, action, to_status) VALUES
  ('service_fee', NULL, 'create', 'awaiting_payment'),
  ('service_fee', 'awaiting_payment', 'cancel', 'cancelled'),
  ('service_fee', 'awaiting_payment', 'expire', 'expired'),
  ('service_fee', 'awaiting_payment', 'pay', 'paid'),
  ('service_fee', 'paid', 'auto_approve', 'completed'),
  ('service_fee', 'paid', 'claim', 'in_review'),
  ('service_fee', 'in_review', 'release', 'paid'),
  ('service_fee', 'in_review', 'approve', 'completed'),
  ('service_fee', 'in_review', 'reject', 'rejected'),
  ('service_fee', 'in_review', 'request_documents', 'documents_requested'),
  ('service_fee', 'in_review', 'escalate', 'escalated'),
  ('service_fee', 'escalated', 'approve', 'completed'),
  ('service_fee', 'escalated', 'reject', 'rejected'),
  ('service_fee', 'escalated', 'request_documents', 'documents_requested'),
  ('service_fee', 'documents_requested', 'resubmit', 'paid'),
  ('service_fee', 'rejected', 'refund', 'refunded'),
  ('tax_return', NULL, 'create', 'draft'),
  ('tax_return', 'draft', 'submit', 'submitted'),
  ('tax_return', 'draft', 'cancel', 'cancelled'),
  ('tax_return', 'submitted', 'cancel', 'cancelled'),
  ('tax_return', 'submitted', 'claim', 'in_review'),
  ('tax_return', 'in_review', 'release', 'submitted'),
  ('tax_return', 'in_review', 'approve', 'approved'),
  ('tax_return', 'in_review', 'reject', 'rejected'),
  ('tax_return', 'in_review', 'request_documents', 'documents_requested'),
  ('tax_return', 'in_review', 'escalate', 'escalated'),
  ('tax_return', 'escalated', 'approve', 'approved'),
  ('tax_return', 'escalated', 'reject', 'rejected'),
  ('tax_return', 'escalated', 'request_documents', 'documents_requested'),
  ('tax_return', 'documents_requested', 'resubmit', 'submitted'),
  ('tax_return', 'approved', 'pay', 'paid'),
  ('tax_return', 'paid', 'complete', 'completed');

CREATE SEQUENCE declaration_reference_seq;

CREATE TABLE declarations (
  id uuid PRIMARY KEY,
  reference text NOT NULL UNIQUE,
  kind text NOT NULL CHECK (kind IN ('service_fee', 'tax_return')),
  status text NOT NULL CHECK (status IN ('draft', 'awaiting_payment', 'submitted', 'in_review', 'escalated', 'documents_requested', 'approved', 'paid', 'completed', 'rejected', 'cancelled', 'expired', 'refunded')),
  owner_id uuid NOT NULL REFERENCES users (id),
  ministry_code text COLLATE "C" NOT NULL REFERENCES ministries (code),
  -- Service fee: the quote, locked to the catalog version it came from.
  service_code text COLLATE "C" REFERENCES fiscal_services (code),
  fee_type text CHECK (fee_type IN ('expedition', 'renewal')),
  catalog_version integer REFERENCES catalog_versions (version),
  quote_expires_at timestamptz,
  -- Tax return: what the taxpayer declared and what the agent validated.
  tax_type text,
  period text,
  declared_amount bigint CHECK (declared_amount >= 0),
  validated_amount bigint CHECK (validated_amount >= 0),
  -- Amount due, integer XAF: the quote, or the declared then validated amount.
  amount bigint NOT NULL CHECK (amount >= 0),
  currency text NOT NULL DEFAULT 'XAF' CHECK (currency = 'XAF'),
  data jsonb NOT NULL DEFAULT '{}',
  deadline date,
  queued_at timestamptz,
  claimed_by uuid REFERENCES users (id),
  claim_expires_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CHECK (kind <> 'service_fee' OR (service_code IS NOT NULL AND fee_type IS NOT NULL AND catalog_version IS NOT NULL AND quote_expires_at IS NOT NULL)),
  CHECK (kind <> 'tax_return' OR (tax_type IS NOT NULL AND period IS NOT NULL AND declared_amount IS NOT NULL)),
  CHECK ((status = 'in_review') = (claimed_by IS NOT NULL AND claim_expires_at IS NOT NULL))
);
CREATE INDEX declarations_owner_idx ON declarations (owner_id, created_at DESC);
CREATE INDEX declarations_queue_idx ON declarations (ministry_code, status, deadline, amount DESC, queued_at);
CREATE INDEX declarations_claims_idx ON declarations (claim_expires_at) WHERE status = 'in_review';

CREATE FUNCTION declarations_enforce_transitions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NOT EXISTS (SELECT 1 FROM declaration_transitions WHERE kind = NEW.kind AND from_status IS NULL AND to_status = NEW.status) THEN
      RAISE EXCEPTION 'a % cannot start in status %', NEW.kind, NEW.status USING ERRCODE = 'check_violation';
    END IF;
  ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
    IF NEW.kind IS DISTINCT FROM OLD.kind OR NOT EXISTS (
      SELECT 1 FROM declaration_transitions WHERE kind = NEW.kind AND from_status = OLD.status AND to_status = NEW.status
    ) THEN
      RAISE EXCEPTION 'a % cannot go from % to %', NEW.kind, OLD.status, NEW.status USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER declarations_transitions BEFORE INSERT OR UPDATE ON declarations
  FOR EACH ROW EXECUTE FUNCTION declarations_enforce_transitions();

CREATE TABLE declaration_history (
  id bigserial PRIMARY KEY,
  declaration_id uuid NOT NULL REFERENCES declarations (id),
  from_status text,
  to_status text NOT NULL,
  action text NOT NULL,
  actor_id uuid,
  actor_role text NOT NULL,
  reason text,
  at timestamptz NOT NULL
);
CREATE INDEX declaration_history_declaration_idx ON declaration_history (declaration_id, id);

CREATE TABLE declaration_documents (
  id uuid PRIMARY KEY,
  declaration_id uuid NOT NULL REFERENCES declarations (id),
  filename text NOT NULL,
  content_type text NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
  size_bytes integer NOT NULL CHECK (size_bytes BETWEEN 1 AND 10485760),
  object_name text NOT NULL UNIQUE,
  uploaded_by uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL
);
CREATE INDEX declaration_documents_declaration_idx ON declaration_documents (declaration_id, created_at);

-- Idempotency-Key: the first response to (caller, route, key) is kept 24 h and replayed.
CREATE TABLE idempotency_keys (
  principal_id uuid NOT NULL,
  operation text NOT NULL,
  key text NOT NULL,
  request_hash bytea NOT NULL,
  status_code integer,
  response jsonb,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (principal_id, operation, key)
);
CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (expires_at);

-- migrate:down
DROP TABLE idempotency_keys;
DROP TABLE declaration_documents;
DROP TABLE declaration_history;
DROP TABLE declarations;
DROP FUNCTION declarations_enforce_transitions();
DROP SEQUENCE declaration_reference_seq;
DROP TABLE declaration_transitions;
ALTER TABLE ministries DROP COLUMN auto_approval_threshold;
