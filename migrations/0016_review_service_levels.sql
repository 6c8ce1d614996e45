-- Review service levels: declarations waiting in review are warned about at 18 h (a `sla_warning`
-- entry in their history, status unchanged) and escalated to supervisors by the system at 72 h; the
-- mirror of the state machine gains those transitions. Reviewers' comments on a decision are kept in
-- the history beside the reason.

-- migrate:up
INSERT INTO declaration_transitions (kind, from_status, action, to_status) VALUES
  ('service_fee', 'paid', 'sla_warning', 'paid'),
  ('service_fee', 'in_review', 'sla_warning', 'in_review'),
  ('service_fee', 'paid', 'escalate', 'escalated'),
  ('tax_return', 'submitted', 'sla_warning', 'submitted'),
  ('tax_return', 'in_review', 'sla_warning', 'in_review'),
  ('tax_return', 'submitted', 'escalate', 'escalated');

ALTER TABLE declaration_history ADD COLUMN comment text;

-- What the service-levels job scans: declarations waiting in review, by when they entered the queue.
CREATE INDEX declarations_waiting_idx ON declarations ((COALESCE(queued_at, created_at)))
  WHERE status IN ('paid', 'submitted', 'in_review');
-- Whether this stay in the queue was warned about already.
CREATE INDEX declaration_history_sla_idx ON declaration_history (declaration_id, at) WHERE action = 'sla_warning';

-- migrate:down
DROP INDEX declaration_history_sla_idx;
DROP INDEX declarations_waiting_idx;
ALTER TABLE declaration_history DROP COLUMN comment;
DELETE FROM declaration_history WHERE action = 'sla_warning';
DELETE FROM declaration_transitions
 WHERE action = 'sla_warning' OR (action = 'escalate' AND from_status IN ('paid', 'submitted'));
