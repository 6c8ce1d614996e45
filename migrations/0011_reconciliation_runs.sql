-- The result of each day's three-way reconciliation (BANGE's statement, received webhooks, the
-- ledger), stored by the scheduled job `reconciliation` (POST /jobs/reconcile) and listed to finance.
-- One row per Malabo day: a later run of the same day replaces it. Amounts are integer XAF.

-- migrate:up
CREATE TABLE reconciliation_runs (
  date date PRIMARY KEY,
  matched integer NOT NULL CHECK (matched >= 0),
  statement_total bigint NOT NULL,
  webhooks_total bigint NOT NULL,
  ledger_total bigint NOT NULL,
  -- Every item not found in all three sources, as the API shows it (transactionId, reference, amounts, problem, ageHours).
  unmatched jsonb NOT NULL CHECK (jsonb_typeof(unmatched) = 'array'),
  unmatched_count integer NOT NULL CHECK (unmatched_count = jsonb_array_length(unmatched)),
  run_at timestamptz NOT NULL
);

-- migrate:down
DROP TABLE reconciliation_runs;
