/** Every metric of TaxasGE in one table: name, kind, help, labels, unit, and how it reaches Cloud Monitoring. */

export type MetricKind = 'counter' | 'gauge' | 'histogram';

/**
 * How a metric reaches Cloud Monitoring (see docs/OBSERVABILITY.md for the reasons):
 * - `custom`: written as `custom.googleapis.com/taxasge/<name>` by the exporter of the deployed
 *   component named in `writer` (which Terraform must run with METRICS_EXPORT=cloud-monitoring);
 * - `log-based`: each event writes one structured log line, counted by the log-based metric
 *   `logging.googleapis.com/user/taxasge/<name>` that terraform/modules/monitoring/log-metrics.tf
 *   defines (generated from this table by `npm run generate:log-metrics`, see logMetricOf);
 * - `google`: OpenMetrics only; in Cloud Monitoring the Google-provided metric named in `google`
 *   holds the same figure for the whole fleet.
 */
export type CloudSink = 'custom' | 'log-based' | 'google';

/**
 * Who writes a custom metric: `every-function` (each instance's exporter, after each export
 * interval) or one function of the topology (`jobs`: the `metrics-collector` scheduled job, which
 * runs the database collectors and flushes).
 */
export type CustomMetricWriter = 'every-function' | 'jobs';

/** Who produces the value: the process as things happen, or a collector querying PostgreSQL at scrape time. */
export type MetricSource = 'process' | 'database';

export type MetricModule =
  | 'http'
  | 'cache'
  | 'database'
  | 'catalog'
  | 'declarations'
  | 'agents'
  | 'payments'
  | 'webhooks'
  | 'events'
  | 'notifications'
  | 'auth'
  | 'documents'
  | 'process'
  | 'metrics';

export interface MetricOptions {
  module: MetricModule;
  cloud: CloudSink;
  /** Default `process`. */
  source?: MetricSource;
  /** OpenMetrics unit; the name must end with `_<unit>`. */
  unit?: 'seconds' | 'bytes' | 'xaf';
  /** Upper bounds of a histogram's buckets, ascending (`+Inf` is implied). */
  buckets?: readonly number[];
  /** `custom` metrics only: the deployed component whose exporter writes it. */
  writer?: CustomMetricWriter;
  /** `google` metrics only: the Google-provided metric type holding the same figure. */
  google?: string;
}

export interface MetricDefinition<N extends string = string, L extends string = string> extends MetricOptions {
  /** snake_case, without the `taxasge_` prefix; counters without `_total`. */
  name: N;
  kind: MetricKind;
  help: string;
  labels: readonly L[];
  source: MetricSource;
}

/** Request and handler latency, in seconds. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;
/** Database statement time, in seconds. */
export const QUERY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;
/** One cache call, in seconds: the memory cache answers in microseconds, Upstash in milliseconds (500 ms timeout). */
export const CACHE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] as const;
/** Review time, in seconds: 5 min … 72 h (target 24 h, warning at 18 h, escalation at 72 h). */
export const REVIEW_BUCKETS = [300, 1800, 3600, 4 * 3600, 8 * 3600, 18 * 3600, 24 * 3600, 48 * 3600, 72 * 3600] as const;
/** OCR quality (engine confidence, 0..1): the low_quality flag's default threshold is 0.6. */
export const OCR_QUALITY_BUCKETS = [0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95] as const;
/** Checking and reading one document: Vision answers in about a second, Tesseract takes seconds a page. */
export const OCR_DURATION_BUCKETS = [0.25, 0.5, 1, 2, 5, 10, 20, 40] as const;
/** Document sizes, in bytes: 100 KB … 20 MB. */
export const SIZE_BUCKETS = [100_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000, 20_000_000] as const;

function define<const N extends string, const L extends string, K extends MetricKind>(
  kind: K,
  name: N,
  help: string,
  labels: readonly L[],
  options: MetricOptions,
) {
  return { ...options, kind, name, help, labels, source: options.source ?? 'process' } as MetricDefinition<N, L> & { kind: K };
}
const counter = <const N extends string, const L extends string>(name: N, help: string, labels: readonly L[], o: MetricOptions) =>
  define('counter', name, help, labels, o);
const gauge = <const N extends string, const L extends string>(name: N, help: string, labels: readonly L[], o: MetricOptions) =>
  define('gauge', name, help, labels, o);
const histogram = <const N extends string, const L extends string>(name: N, help: string, labels: readonly L[], o: MetricOptions) =>
  define('histogram', name, help, labels, o);

const db = { source: 'database' } as const;

/** The registry. Adding a metric is one line here; dashboards, alerts and docs are checked against it. */
export const METRICS = [
  // HTTP pipeline (recorded by shared/http for every function)
  counter(
    'http_requests',
    'HTTP requests answered, by route group (function), route template, method and status code.',
    ['group', 'route', 'method', 'status'],
    { module: 'http', cloud: 'custom', writer: 'every-function' },
  ),
  histogram(
    'http_request_duration_seconds',
    'Time from request received to response written, by route group, route template and method.',
    ['group', 'route', 'method'],
    { module: 'http', cloud: 'custom', writer: 'every-function', unit: 'seconds', buckets: LATENCY_BUCKETS },
  ),
  counter('http_problems', 'problem+json responses, by route group, route template, status and stable error code.', ['group', 'route', 'status', 'code'], {
    module: 'http',
    cloud: 'custom',
    writer: 'every-function',
  }),
  // Cache
  counter('cache_lookups', 'Cache reads by cache kind (memory, upstash), key namespace and result (hit, miss, error).', ['cache', 'namespace', 'result'], {
    module: 'cache',
    cloud: 'custom',
    writer: 'every-function',
  }),
  histogram('cache_operation_duration_seconds', 'Time of one cache call (failed ones included), by operation (get, set, del, incr).', ['operation'], {
    module: 'cache',
    cloud: 'custom',
    writer: 'every-function',
    unit: 'seconds',
    buckets: CACHE_BUCKETS,
  }),
  gauge('cache_keys', "Keys the cache holds (Upstash: DBSIZE of its database; memory: the collecting instance's own entries), by cache kind.", ['cache'], {
    module: 'cache',
    cloud: 'custom',
    writer: 'jobs',
  }),
  gauge(
    'cache_evicted_keys',
    'Keys the cache dropped to make room since it started (Upstash: INFO stats evicted_keys; memory: LRU evictions), by cache kind; a rise means the cache is too small.',
    ['cache'],
    { module: 'cache', cloud: 'custom', writer: 'jobs' },
  ),
  // Database
  gauge('db_pool_connections', "Connections of this instance's pool, by state (idle, in_use).", ['state'], {
    module: 'database',
    cloud: 'custom',
    writer: 'every-function',
  }),
  gauge('db_pool_waiting_clients', 'Queries of this instance waiting for a free pool connection.', [], {
    module: 'database',
    cloud: 'custom',
    writer: 'every-function',
  }),
  gauge('db_pool_max_connections', "Largest size of this instance's pool (DB_POOL_MAX).", [], {
    module: 'database',
    cloud: 'custom',
    writer: 'every-function',
  }),
  histogram(
    'db_query_duration_seconds',
    'Database statement time, by statement kind (select, insert, update, delete, with, other) and outcome (ok, error).',
    ['operation', 'outcome'],
    { module: 'database', cloud: 'custom', writer: 'every-function', unit: 'seconds', buckets: QUERY_BUCKETS },
  ),
  counter('db_slow_queries', 'Database statements that took 1 s or more, by statement kind.', ['operation'], {
    module: 'database',
    cloud: 'custom',
    writer: 'every-function',
  }),
  counter('db_deadlocks', 'Deadlocks PostgreSQL detected in this database since its statistics were reset (pg_stat_database).', [], {
    module: 'database',
    cloud: 'google',
    google: 'cloudsql.googleapis.com/database/postgresql/deadlock_count',
    ...db,
  }),
  gauge('db_up', '1 when this instance reached PostgreSQL at the last collection, else 0.', [], { module: 'database', cloud: 'custom', writer: 'jobs' }),
  gauge('db_size_bytes', 'Size of the database on disk (pg_database_size).', [], { module: 'database', cloud: 'custom', writer: 'jobs', unit: 'bytes', ...db }),
  // Catalog
  gauge('catalog_services', 'Active fiscal services in the catalog, by ministry.', ['ministry'], { module: 'catalog', cloud: 'custom', writer: 'jobs', ...db }),
  gauge('catalog_services_payable_online', 'Active fiscal services payable online (a known, usable fee), by ministry.', ['ministry'], {
    module: 'catalog',
    cloud: 'custom',
    writer: 'jobs',
    ...db,
  }),
  gauge('catalog_version', 'Current catalog version number.', [], { module: 'catalog', cloud: 'custom', writer: 'jobs', ...db }),
  // Declarations
  counter('new_declarations', 'Declarations created, by kind (service_fee, tax_return) and service code or tax type.', ['kind', 'service'], {
    module: 'declarations',
    cloud: 'log-based',
  }),
  counter('declaration_transitions', 'Declaration state changes, by kind, previous and new state.', ['kind', 'from', 'to'], {
    module: 'declarations',
    cloud: 'log-based',
  }),
  gauge('declarations', 'Declarations by kind and current state.', ['kind', 'state'], { module: 'declarations', cloud: 'custom', writer: 'jobs', ...db }),
  // Agents' review work
  gauge('review_queue_size', 'Declarations waiting in the review queue, by ministry.', ['ministry'], {
    module: 'agents',
    cloud: 'custom',
    writer: 'jobs',
    ...db,
  }),
  gauge('review_queue_oldest_age_seconds', 'Waiting time of the oldest declaration in the review queue, by ministry.', ['ministry'], {
    module: 'agents',
    cloud: 'custom',
    writer: 'jobs',
    unit: 'seconds',
    ...db,
  }),
  counter('review_decisions', 'Agent decisions, by ministry and decision (approved, rejected, documents_requested, escalated).', ['ministry', 'decision'], {
    module: 'agents',
    cloud: 'log-based',
  }),
  histogram('review_duration_seconds', "Time from entering the review queue to the agent's decision, by ministry.", ['ministry'], {
    module: 'agents',
    cloud: 'log-based',
    unit: 'seconds',
    buckets: REVIEW_BUCKETS,
  }),
  gauge('agent_decisions_last_day', 'Decisions (approve, reject, request documents, escalate) each agent made in the last 24 hours, by agent id.', ['agent'], {
    module: 'agents',
    cloud: 'custom',
    writer: 'jobs',
    ...db,
  }),
  counter('review_claims_expired', 'Review claims (locks) that expired before a decision, by ministry.', ['ministry'], {
    module: 'agents',
    cloud: 'log-based',
  }),
  // Payments and receipts
  counter(
    'payments',
    'Payments reaching a status (pending, succeeded, failed, expired, partially_refunded, refunded), by status and method.',
    ['status', 'method'],
    { module: 'payments', cloud: 'log-based' },
  ),
  gauge('payments_pending', "Payments waiting for BANGE's answer, by method.", ['method'], { module: 'payments', cloud: 'custom', writer: 'jobs', ...db }),
  gauge('revenue_xaf', "Revenue collected to date (paid minus refunded), in XAF, by ministry: equals the ledger's sum.", ['ministry'], {
    module: 'payments',
    cloud: 'custom',
    writer: 'jobs',
    unit: 'xaf',
    ...db,
  }),
  gauge(
    'revenue_current_period_xaf',
    'Revenue of the current calendar day, week or month (Africa/Malabo), in XAF, by ministry and period.',
    ['ministry', 'period'],
    { module: 'payments', cloud: 'custom', writer: 'jobs', unit: 'xaf', ...db },
  ),
  counter('receipts_issued', 'Receipts issued for paid declarations.', [], { module: 'payments', cloud: 'log-based' }),
  counter(
    'reconciliation_discrepancies',
    "Transactions the daily reconciliation found not in all of BANGE's statement, our webhooks and our ledger (or with differing amounts), by problem (missing_webhook, not_in_statement, not_booked, amount_differs).",
    ['problem'],
    { module: 'payments', cloud: 'log-based' },
  ),
  counter('receipt_verifications', 'Receipt verifications through the API, by result (valid, invalid).', ['result'], {
    module: 'payments',
    cloud: 'log-based',
  }),
  // BANGE webhooks
  counter(
    'webhooks_received',
    'BANGE webhooks received, by event type and outcome (accepted, duplicate, bad_signature, malformed, mismatch).',
    ['type', 'outcome'],
    { module: 'webhooks', cloud: 'log-based' },
  ),
  // Events: Pub/Sub handlers, outbox, dead letters
  counter(
    'event_deliveries',
    'Pub/Sub deliveries handled by an event function, by subscription and outcome (processed; failed: Pub/Sub redelivers, then dead-letters).',
    ['subscription', 'outcome'],
    { module: 'events', cloud: 'log-based' },
  ),
  gauge('outbox_backlog', 'Events waiting in the outbox to be published.', [], { module: 'events', cloud: 'custom', writer: 'jobs', ...db }),
  gauge('outbox_oldest_age_seconds', 'Age of the oldest event waiting in the outbox.', [], {
    module: 'events',
    cloud: 'custom',
    writer: 'jobs',
    unit: 'seconds',
    ...db,
  }),
  gauge('dead_letters', 'Dead-lettered messages neither replayed nor dismissed, by subscription.', ['subscription'], {
    module: 'events',
    cloud: 'custom',
    writer: 'jobs',
    ...db,
  }),
  // Documents: the upload pipeline (process-document)
  counter(
    'documents_processed',
    'Uploaded documents checked and read, by OCR provider (vision, tesseract; none when a check stopped it) and outcome (read, flagged; failed: the engine erred, Pub/Sub redelivers, then dead-letters).',
    ['provider', 'outcome'],
    { module: 'documents', cloud: 'log-based' },
  ),
  counter(
    'document_flags',
    'Flags the pipeline raised on documents, by flag (type_mismatch, type_not_allowed, type_unknown, size_mismatch, too_many_pages, unreadable, no_text, low_quality).',
    ['flag'],
    { module: 'documents', cloud: 'log-based' },
  ),
  histogram('document_ocr_quality', "OCR quality score of read documents (the engine's confidence, 0..1), by provider.", ['provider'], {
    module: 'documents',
    cloud: 'log-based',
    buckets: OCR_QUALITY_BUCKETS,
  }),
  histogram('document_processing_duration_seconds', 'Time to check and read one document (fetch aside), by provider.', ['provider'], {
    module: 'documents',
    cloud: 'log-based',
    unit: 'seconds',
    buckets: OCR_DURATION_BUCKETS,
  }),
  // Notifications
  counter('notification_deliveries', 'Notification deliveries, by channel (email, sms, push) and outcome (sent, failed, skipped).', ['channel', 'outcome'], {
    module: 'notifications',
    cloud: 'log-based',
  }),
  // Authentication
  counter('login_attempts', 'Login attempts, by outcome (success, bad_credentials, suspended, rate_limited).', ['outcome'], {
    module: 'auth',
    cloud: 'log-based',
  }),
  counter('user_registrations', 'Accounts registered, by account type (citizen, business).', ['account_type'], { module: 'auth', cloud: 'log-based' }),
  gauge('auth_active_sessions', 'Sessions that can still be refreshed: refresh-token families with a live token (not used, revoked nor expired).', [], {
    module: 'auth',
    cloud: 'custom',
    writer: 'jobs',
    ...db,
  }),
  counter('refresh_token_reuse', 'Spent refresh tokens presented again (their whole family is revoked).', [], { module: 'auth', cloud: 'log-based' }),
  // The process (Cloud Run publishes its own CPU and memory figures)
  gauge('process_resident_memory_bytes', "Resident memory of this instance's process.", [], {
    module: 'process',
    cloud: 'google',
    google: 'run.googleapis.com/container/memory/utilizations',
    unit: 'bytes',
  }),
  gauge('process_heap_used_bytes', "V8 heap in use in this instance's process.", [], {
    module: 'process',
    cloud: 'google',
    google: 'run.googleapis.com/container/memory/utilizations',
    unit: 'bytes',
  }),
  counter('process_cpu_seconds', "CPU time (user and system) used by this instance's process.", [], {
    module: 'process',
    cloud: 'google',
    google: 'run.googleapis.com/container/cpu/utilizations',
    unit: 'seconds',
  }),
  gauge('process_start_time_seconds', "Start time of this instance's process, in Unix seconds.", [], {
    module: 'process',
    cloud: 'google',
    google: 'run.googleapis.com/container/startup_latencies',
    unit: 'seconds',
  }),
  // The metrics pipeline itself
  gauge('metrics_collector_up', "1 when the collector's last run succeeded, else 0, by collector.", ['collector'], {
    module: 'metrics',
    cloud: 'custom',
    writer: 'every-function',
  }),
  counter('metrics_exports', 'Batches written to Cloud Monitoring, by outcome (ok, error).', ['outcome'], {
    module: 'metrics',
    cloud: 'custom',
    writer: 'every-function',
  }),
  counter('metrics_series_dropped', 'Label sets refused because a metric reached its series limit, by metric.', ['metric'], {
    module: 'metrics',
    cloud: 'custom',
    writer: 'every-function',
  }),
] as const;

export type RegisteredMetric = (typeof METRICS)[number];
export type MetricName = RegisteredMetric['name'];
export type CounterName = Extract<RegisteredMetric, { kind: 'counter' }>['name'];
export type GaugeName = Extract<RegisteredMetric, { kind: 'gauge' }>['name'];
export type HistogramName = Extract<RegisteredMetric, { kind: 'histogram' }>['name'];
/** The label set a metric takes: exactly its registered label names. */
export type LabelsOf<N extends MetricName> = { [K in Extract<RegisteredMetric, { name: N }>['labels'][number]]: string };

export const METRIC_PREFIX = 'taxasge_';
export const CUSTOM_METRIC_PREFIX = 'custom.googleapis.com/taxasge/';
export const LOG_METRIC_PREFIX = 'logging.googleapis.com/user/taxasge/';

const byName = new Map<string, MetricDefinition>(METRICS.map((m) => [m.name, m]));

/** The definition of a metric, or undefined when the registry has no such name. */
export function findMetric(name: string): MetricDefinition | undefined {
  return byName.get(name);
}

/** The OpenMetrics family name, e.g. `taxasge_http_requests` (samples add `_total`, `_bucket`…). */
export function openMetricsName(def: Pick<MetricDefinition, 'name'>): string {
  return METRIC_PREFIX + def.name;
}

/** The Cloud Monitoring metric type, or undefined for OpenMetrics-only metrics. */
export function cloudMetricType(def: Pick<MetricDefinition, 'name' | 'cloud'>): string | undefined {
  if (def.cloud === 'custom') return CUSTOM_METRIC_PREFIX + def.name;
  if (def.cloud === 'log-based') return LOG_METRIC_PREFIX + def.name;
  return undefined;
}

/** Problems with a registry's shape (names, units, buckets, duplicates); empty when it is sound. */
export function registryProblems(metrics: readonly MetricDefinition[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const families = new Set<string>();
  for (const m of metrics) {
    if (seen.has(m.name)) {
      problems.push(`${m.name}: registered twice`);
      continue;
    }
    seen.add(m.name);
    if (!/^[a-z](?:[a-z0-9_]*[a-z0-9])?$/.test(m.name)) problems.push(`${m.name}: expected snake_case`);
    if (m.kind === 'counter' && /_total$/.test(m.name)) problems.push(`${m.name}: a counter is named without _total (OpenMetrics adds it)`);
    if (/_(count|sum|bucket|created|info)$/.test(m.name)) problems.push(`${m.name}: ends with a suffix OpenMetrics reserves`);
    if (m.unit && !m.name.endsWith(`_${m.unit}`)) problems.push(`${m.name}: unit ${m.unit} must be the name's suffix`);
    if ((m.kind === 'histogram') !== Boolean(m.buckets)) problems.push(`${m.name}: buckets are given for histograms and only for them`);
    if (m.buckets && m.buckets.some((b, i) => i > 0 && b <= m.buckets![i - 1]!)) problems.push(`${m.name}: buckets must increase`);
    if (!m.help.trim().endsWith('.')) problems.push(`${m.name}: help is a sentence ending with a period`);
    // OpenMetrics escapes a double quote in HELP; prom-client writes it as it is.
    if (m.help.includes('"')) problems.push(`${m.name}: help holds no double quote`);
    for (const label of m.labels) {
      if (!/^[a-z][a-z0-9_]*$/.test(label) || label === 'le' || label === 'quantile') problems.push(`${m.name}: label "${label}" is not allowed`);
    }
    // PostgreSQL's own statistics (pg_stat_*) are counters; we never export them: Google's metric holds them.
    if (m.source === 'database' && m.kind !== 'gauge' && !(m.kind === 'counter' && m.cloud === 'google'))
      problems.push(`${m.name}: values read from the database are gauges (or PostgreSQL's counters, Google's in Cloud Monitoring)`);
    if (m.cloud === 'log-based' && m.source === 'database') problems.push(`${m.name}: a database gauge cannot be log-based`);
    if (m.cloud === 'log-based' && m.kind === 'gauge') problems.push(`${m.name}: a log-based metric counts events: a counter or a histogram`);
    if ((m.cloud === 'custom') !== Boolean(m.writer)) problems.push(`${m.name}: custom metrics, and only they, name their writer`);
    if ((m.cloud === 'google') !== Boolean(m.google)) problems.push(`${m.name}: google metrics, and only they, name the Google-provided metric type`);
    if (m.source === 'database' && m.writer && m.writer !== 'jobs') problems.push(`${m.name}: database gauges are written by the metrics-collector job (jobs)`);
    // Sample names of different families must not collide (e.g. a gauge `x_total` and a counter `x`).
    const samples = m.kind === 'counter' ? [`${m.name}_total`] : m.kind === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name];
    for (const s of samples) {
      if (families.has(s)) problems.push(`${m.name}: sample name ${s} collides with another metric`);
      families.add(s);
    }
  }
  return problems;
}

/** How Terraform defines the log-based metric of a `log-based` registry entry (google_logging_metric). */
export interface LogMetricDefinition {
  /** Metric id inside the project: `taxasge/<name>`; its type is `logging.googleapis.com/user/taxasge/<name>`. */
  id: string;
  description: string;
  /** Cloud Logging filter, in the subset shared/metrics/log-filter.ts evaluates. */
  filter: string;
  metricKind: 'DELTA';
  valueType: 'INT64' | 'DISTRIBUTION';
  unit: string;
  labels: readonly string[];
  /** label → `EXTRACT(jsonPayload.metric.labels.<label>)`. */
  labelExtractors: Record<string, string>;
  /** Distributions: `EXTRACT(jsonPayload.metric.value)`. */
  valueExtractor?: string;
  /** Distributions: explicit bucket bounds (the registry's). */
  buckets?: readonly number[];
}

const LOG_UNITS: Record<NonNullable<MetricOptions['unit']>, string> = { seconds: 's', bytes: 'By', xaf: '1' };

/**
 * The log-based metric counting a metric's event lines (shared/metrics/metric-event-log.ts writes
 * them): counters count lines, histograms are distributions of `jsonPayload.metric.value`.
 */
export function logMetricOf(def: MetricDefinition): LogMetricDefinition {
  if (def.cloud !== 'log-based') throw new Error(`${def.name} is not a log-based metric`);
  const distribution = def.kind === 'histogram';
  return {
    id: `taxasge/${def.name}`,
    description: def.help,
    filter: `jsonPayload.message="metric" AND jsonPayload.metric.name="${def.name}"`,
    metricKind: 'DELTA',
    valueType: distribution ? 'DISTRIBUTION' : 'INT64',
    unit: def.unit ? LOG_UNITS[def.unit] : '1',
    labels: def.labels,
    labelExtractors: Object.fromEntries(def.labels.map((l) => [l, `EXTRACT(jsonPayload.metric.labels.${l})`])),
    ...(distribution ? { valueExtractor: 'EXTRACT(jsonPayload.metric.value)', buckets: def.buckets! } : {}),
  };
}
