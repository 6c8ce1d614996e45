/**
 * The Google Cloud metrics dashboards and alert policies may use besides our own: each with its kind,
 * value type, unit, monitored resource, labels and the page of Google's metrics list naming it.
 */

export interface GcpMetric {
  type: string;
  kind: 'GAUGE' | 'DELTA' | 'CUMULATIVE';
  valueType: 'BOOL' | 'INT64' | 'DOUBLE' | 'DISTRIBUTION';
  unit: string;
  resource: string;
  /** Metric labels (`metric.label.<name>` in filters). */
  labels: readonly string[];
  source: string;
}

const RUN = 'https://cloud.google.com/monitoring/api/metrics_gcp_p_z#gcp-run';
const CLOUDSQL = 'https://cloud.google.com/monitoring/api/metrics_gcp_c#gcp-cloudsql';
const PUBSUB = 'https://cloud.google.com/monitoring/api/metrics_gcp_p_z#gcp-pubsub';
const STORAGE = 'https://cloud.google.com/monitoring/api/metrics_gcp_p_z#gcp-storage';
const MONITORING = 'https://cloud.google.com/monitoring/api/metrics_gcp_i_o#gcp-monitoring';
const LOGGING = 'https://cloud.google.com/monitoring/api/metrics_gcp_i_o#gcp-logging';

export const GCP_METRICS: readonly GcpMetric[] = [
  // Cloud Run (Cloud Functions gen2 run as Cloud Run services: resource cloud_run_revision, service_name = function id)
  {
    type: 'run.googleapis.com/request_count',
    kind: 'DELTA',
    valueType: 'INT64',
    unit: '1',
    resource: 'cloud_run_revision',
    labels: ['response_code', 'response_code_class', 'route'],
    source: RUN,
  },
  {
    type: 'run.googleapis.com/request_latencies',
    kind: 'DELTA',
    valueType: 'DISTRIBUTION',
    unit: 'ms',
    resource: 'cloud_run_revision',
    labels: ['response_code', 'response_code_class', 'route'],
    source: RUN,
  },
  {
    type: 'run.googleapis.com/container/cpu/utilizations',
    kind: 'DELTA',
    valueType: 'DISTRIBUTION',
    unit: '10^2.%',
    resource: 'cloud_run_revision',
    labels: ['container_name'],
    source: RUN,
  },
  {
    type: 'run.googleapis.com/container/memory/utilizations',
    kind: 'DELTA',
    valueType: 'DISTRIBUTION',
    unit: '10^2.%',
    resource: 'cloud_run_revision',
    labels: ['container_name'],
    source: RUN,
  },
  {
    type: 'run.googleapis.com/container/instance_count',
    kind: 'GAUGE',
    valueType: 'INT64',
    unit: '1',
    resource: 'cloud_run_revision',
    labels: ['state', 'container_name'],
    source: RUN,
  },
  {
    type: 'run.googleapis.com/container/startup_latencies',
    kind: 'DELTA',
    valueType: 'DISTRIBUTION',
    unit: 'ms',
    resource: 'cloud_run_revision',
    labels: ['container_name'],
    source: RUN,
  },
  {
    type: 'run.googleapis.com/container/max_request_concurrencies',
    kind: 'DELTA',
    valueType: 'DISTRIBUTION',
    unit: '1',
    resource: 'cloud_run_revision',
    labels: ['state', 'container_name'],
    source: RUN,
  },
  {
    type: 'run.googleapis.com/container/network/received_bytes_count',
    kind: 'DELTA',
    valueType: 'INT64',
    unit: 'By',
    resource: 'cloud_run_revision',
    labels: ['kind', 'container_name'],
    source: RUN,
  },
  {
    type: 'run.googleapis.com/container/network/sent_bytes_count',
    kind: 'DELTA',
    valueType: 'INT64',
    unit: 'By',
    resource: 'cloud_run_revision',
    labels: ['kind', 'container_name'],
    source: RUN,
  },
  {
    type: 'run.googleapis.com/container/billable_instance_time',
    kind: 'DELTA',
    valueType: 'DOUBLE',
    unit: 's{idle}',
    resource: 'cloud_run_revision',
    labels: [],
    source: RUN,
  },
  // Cloud SQL for PostgreSQL (resource cloudsql_database, database_id = "<project>:<instance>")
  { type: 'cloudsql.googleapis.com/database/up', kind: 'GAUGE', valueType: 'INT64', unit: '1', resource: 'cloudsql_database', labels: [], source: CLOUDSQL },
  {
    type: 'cloudsql.googleapis.com/database/cpu/utilization',
    kind: 'GAUGE',
    valueType: 'DOUBLE',
    unit: '10^2.%',
    resource: 'cloudsql_database',
    labels: [],
    source: CLOUDSQL,
  },
  {
    type: 'cloudsql.googleapis.com/database/memory/utilization',
    kind: 'GAUGE',
    valueType: 'DOUBLE',
    unit: '10^2.%',
    resource: 'cloudsql_database',
    labels: [],
    source: CLOUDSQL,
  },
  {
    type: 'cloudsql.googleapis.com/database/disk/utilization',
    kind: 'GAUGE',
    valueType: 'DOUBLE',
    unit: '10^2.%',
    resource: 'cloudsql_database',
    labels: [],
    source: CLOUDSQL,
  },
  {
    type: 'cloudsql.googleapis.com/database/disk/bytes_used',
    kind: 'GAUGE',
    valueType: 'INT64',
    unit: 'By',
    resource: 'cloudsql_database',
    labels: [],
    source: CLOUDSQL,
  },
  {
    type: 'cloudsql.googleapis.com/database/disk/read_ops_count',
    kind: 'DELTA',
    valueType: 'INT64',
    unit: '1',
    resource: 'cloudsql_database',
    labels: [],
    source: CLOUDSQL,
  },
  {
    type: 'cloudsql.googleapis.com/database/disk/write_ops_count',
    kind: 'DELTA',
    valueType: 'INT64',
    unit: '1',
    resource: 'cloudsql_database',
    labels: [],
    source: CLOUDSQL,
  },
  {
    type: 'cloudsql.googleapis.com/database/network/received_bytes_count',
    kind: 'DELTA',
    valueType: 'INT64',
    unit: 'By',
    resource: 'cloudsql_database',
    labels: [],
    source: CLOUDSQL,
  },
  {
    type: 'cloudsql.googleapis.com/database/network/sent_bytes_count',
    kind: 'DELTA',
    valueType: 'INT64',
    unit: 'By',
    resource: 'cloudsql_database',
    labels: ['destination'],
    source: CLOUDSQL,
  },
  {
    type: 'cloudsql.googleapis.com/database/postgresql/deadlock_count',
    kind: 'DELTA',
    valueType: 'INT64',
    unit: '1',
    resource: 'cloudsql_database',
    labels: ['database'],
    source: CLOUDSQL,
  },
  {
    type: 'cloudsql.googleapis.com/database/postgresql/num_backends',
    kind: 'GAUGE',
    valueType: 'INT64',
    unit: '1',
    resource: 'cloudsql_database',
    labels: ['database'],
    source: CLOUDSQL,
  },
  // Pub/Sub (resource pubsub_subscription, subscription_id)
  {
    type: 'pubsub.googleapis.com/subscription/num_undelivered_messages',
    kind: 'GAUGE',
    valueType: 'INT64',
    unit: '1',
    resource: 'pubsub_subscription',
    labels: [],
    source: PUBSUB,
  },
  {
    type: 'pubsub.googleapis.com/subscription/oldest_unacked_message_age',
    kind: 'GAUGE',
    valueType: 'INT64',
    unit: 's',
    resource: 'pubsub_subscription',
    labels: [],
    source: PUBSUB,
  },
  {
    type: 'pubsub.googleapis.com/subscription/dead_letter_message_count',
    kind: 'DELTA',
    valueType: 'INT64',
    unit: '1',
    resource: 'pubsub_subscription',
    labels: [],
    source: PUBSUB,
  },
  // Cloud Storage (documents and receipts; resource gcs_bucket)
  {
    type: 'storage.googleapis.com/api/request_count',
    kind: 'DELTA',
    valueType: 'INT64',
    unit: '1',
    resource: 'gcs_bucket',
    labels: ['response_code', 'method'],
    source: STORAGE,
  },
  {
    type: 'storage.googleapis.com/storage/total_bytes',
    kind: 'GAUGE',
    valueType: 'DOUBLE',
    unit: 'By',
    resource: 'gcs_bucket',
    labels: ['storage_class'],
    source: STORAGE,
  },
  // Uptime checks (resource uptime_url)
  {
    type: 'monitoring.googleapis.com/uptime_check/check_passed',
    kind: 'GAUGE',
    valueType: 'BOOL',
    unit: '',
    resource: 'uptime_url',
    labels: ['check_id', 'checker_location'],
    source: MONITORING,
  },
  {
    type: 'monitoring.googleapis.com/uptime_check/request_latency',
    kind: 'GAUGE',
    valueType: 'DOUBLE',
    unit: 'ms',
    resource: 'uptime_url',
    labels: ['check_id', 'checker_location'],
    source: MONITORING,
  },
  // Cloud Logging: entries by severity (error lines of every function)
  {
    type: 'logging.googleapis.com/log_entry_count',
    kind: 'DELTA',
    valueType: 'INT64',
    unit: '1',
    resource: 'cloud_run_revision',
    labels: ['log', 'severity'],
    source: LOGGING,
  },
];
