-- Fleet-wide OpenMetrics (docs/OBSERVABILITY.md, "GET /metrics"): each function instance upserts the
-- running totals of its counters and histograms here every METRICS_FLEET_INTERVAL_SECONDS and on
-- SIGTERM; the metrics function sums them at scrape time. A histogram is one row per bucket (its
-- non-cumulative count, `sample` = 'bucket:<index>') plus 'sum' and 'count'; a counter is one row
-- with `sample` = ''. Rows of an instance gone for good are folded into its function's base
-- (instance_id = '') in one statement, so a sum never goes down. A retired instance id is never
-- written again: an instance that finds itself retired publishes under a new id what it counted
-- since its last publish.
-- migrate:up
CREATE TABLE metric_instances (
  instance_id text PRIMARY KEY CHECK (instance_id <> ''),
  function_id text NOT NULL,
  started_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  retired_at timestamptz
);
CREATE INDEX metric_instances_live_idx ON metric_instances (last_seen_at) WHERE retired_at IS NULL;

CREATE TABLE metric_totals (
  function_id text NOT NULL,
  instance_id text NOT NULL,
  metric text NOT NULL,
  sample text NOT NULL,
  labels jsonb NOT NULL,
  value double precision NOT NULL CHECK (value >= 0),
  PRIMARY KEY (function_id, instance_id, metric, sample, labels)
);
CREATE INDEX metric_totals_instance_idx ON metric_totals (instance_id);

-- migrate:down
DROP TABLE metric_totals;
DROP TABLE metric_instances;
