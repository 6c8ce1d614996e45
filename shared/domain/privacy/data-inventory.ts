/**
 * The data inventory: every table, what personal data it holds, why, for how long, and whether the
 * self-service export carries it. docs/PRIVACY.md explains it; a test keeps it equal to the schema.
 */

/** `export`: rows about the person are in GET /api/v1/me/data; `internal`: never exported, with the reason. */
export type ExportRule = { export: true; withheld?: readonly string[] } | { export: false; reason: string };

export interface InventoryEntry {
  personalData: string;
  purpose: string;
  /** Names the configuration that sets the period, when one does. */
  retention: string;
  rule: ExportRule;
}

const reference = (what: string): InventoryEntry => ({
  personalData: 'none',
  purpose: what,
  retention: 'kept while the product runs (reference data)',
  rule: { export: false, reason: 'reference data, nothing about a person' },
});

const eventCopies: ExportRule = {
  export: false,
  reason: 'technical copies of events about declarations and payments that the export carries from their own tables',
};

export const DATA_INVENTORY: Record<string, InventoryEntry> = {
  schema_migrations: reference('applied migrations'),
  metric_instances: reference('fleet-wide /metrics: the function instances publishing counters (ids, times)'),
  metric_totals: reference('fleet-wide /metrics: request and event counts per instance, without labels about a person'),
  catalog_versions: reference('catalog versions'),
  ministries: reference('the fiscal-services catalog'),
  sectors: reference('the fiscal-services catalog'),
  categories: reference('the fiscal-services catalog'),
  fiscal_services: reference('the fiscal-services catalog'),
  declaration_transitions: reference('the declaration state machine'),
  payment_transitions: reference('the payment state machine'),
  receipt_keys: reference('public keys that verify receipts'),
  users: {
    personalData: 'email, full name, phone, NIF (taxId), language, password hash',
    purpose: 'the account: signing in, notifying, naming the taxpayer on fiscal records',
    retention:
      'while the account exists; erasure removes email, phone and password at once; name and NIF stay FISCAL_RETENTION_YEARS after the last payment when the person has fiscal records',
    rule: { export: true, withheld: ['password_hash'] },
  },
  refresh_tokens: {
    personalData: 'session metadata (when created, used, revoked)',
    purpose: 'sessions and refresh-token reuse detection',
    retention: 'deleted 30 days after expiry or revocation; at erasure',
    rule: { export: true, withheld: ['token_hash'] },
  },
  password_resets: {
    personalData: 'reset requests (when, used or not)',
    purpose: 'single-use password reset links',
    retention: 'deleted 1 day after expiry or use; at erasure',
    rule: { export: true, withheld: ['token_hash'] },
  },
  device_tokens: {
    personalData: 'push token and platform of each app installation',
    purpose: 'push notifications',
    retention: 'while the account exists; at erasure',
    rule: { export: true, withheld: ['token'] },
  },
  idempotency_keys: {
    personalData: 'the first response to a retried request (may name the person)',
    purpose: 'answering a retried request the same way',
    retention: '24 hours (expires_at)',
    rule: { export: true, withheld: ['request_hash'] },
  },
  declarations: {
    personalData: 'what the person declared (data, amounts, period) and its status',
    purpose: 'the fiscal procedure',
    retention: 'fiscal records (paid, or a submitted tax return): FISCAL_RETENTION_YEARS; others: their data is emptied at erasure',
    rule: { export: true },
  },
  declaration_history: {
    personalData: "who moved a declaration, the reason given and the reviewer's comment",
    purpose: 'the fiscal procedure and its accountability',
    retention: 'with its declaration',
    rule: { export: true },
  },
  declaration_documents: {
    personalData: 'uploaded supporting documents (file name; the file in the documents bucket)',
    purpose: 'the review of a declaration',
    retention: 'closed fiscal records: FISCAL_RETENTION_YEARS after closing; closed otherwise: DOCUMENT_RETENTION_DAYS; at erasure when not a fiscal record',
    rule: { export: true },
  },
  document_processing: {
    personalData: 'the text OCR read from an uploaded document, and checks of it',
    purpose: 'helping the agent review the declaration',
    retention: 'with its document (deleted with it)',
    rule: { export: true },
  },
  payments: {
    personalData: 'payments made (amount, method, bank transaction)',
    purpose: 'collecting fees and taxes; accounting',
    retention: 'FISCAL_RETENTION_YEARS (fiscal record)',
    rule: { export: true },
  },
  refunds: {
    personalData: "refunds of the person's payments and their reason",
    purpose: 'accounting',
    retention: 'FISCAL_RETENTION_YEARS (fiscal record)',
    rule: { export: true },
  },
  receipts: {
    personalData: 'signed receipts naming the taxpayer (name, NIF)',
    purpose: 'proof of payment anyone can verify',
    retention: 'FISCAL_RETENTION_YEARS (fiscal record); a signed receipt cannot be edited, so it is deleted whole when its period ends for an erased account',
    rule: { export: true },
  },
  ledger_journals: {
    personalData: 'none directly (payment and declaration ids)',
    purpose: 'double-entry accounting',
    retention: 'append-only, kept for the accounts; holds no name, email or phone',
    rule: { export: false, reason: 'the bookkeeping of payments the export carries; no personal data' },
  },
  ledger_entries: {
    personalData: 'none',
    purpose: 'double-entry accounting',
    retention: 'append-only, kept for the accounts',
    rule: { export: false, reason: 'accounting lines, nothing about a person' },
  },
  webhook_events: {
    personalData: "the bank's raw message about a payment (references, amounts)",
    purpose: 'verifying and de-duplicating BANGE webhooks, investigating disputed payments',
    retention: 'raw body cleared WEBHOOK_BODY_RETENTION_DAYS after it was settled; the row (id, amount) kept for reconciliation',
    rule: { export: false, reason: "the bank's messages about payments that the export carries from payments" },
  },
  payment_anomalies: {
    personalData: 'none directly (payment ids)',
    purpose: 'money to resolve by finance',
    retention: 'FISCAL_RETENTION_YEARS',
    rule: { export: false, reason: "finance's work items about payments the export carries" },
  },
  reconciliation_runs: {
    personalData: 'none directly (references and amounts)',
    purpose: 'daily three-way reconciliation',
    retention: 'FISCAL_RETENTION_YEARS',
    rule: { export: false, reason: "finance's reconciliation results" },
  },
  notification_deliveries: {
    personalData: 'which notification went to the person on which channel, and its outcome',
    purpose: 'not sending twice; delivery history',
    retention: 'NOTIFICATION_RETENTION_DAYS; at erasure',
    rule: { export: true },
  },
  notification_outbox: {
    personalData: 'email address or phone, and the message (names the person)',
    purpose: 'messages of channels without a provider (local and test environments)',
    retention: 'NOTIFICATION_RETENTION_DAYS; at erasure',
    rule: { export: true },
  },
  notification_claims: {
    personalData: 'none (event ids)',
    purpose: 'one sender per notification',
    retention: 'deleted once past their time',
    rule: { export: false, reason: 'locks, nothing about a person' },
  },
  audit_log: {
    personalData: 'who did what, from which address (email, IP)',
    purpose: 'security and accountability of privileged actions; append-only and hash-chained',
    retention: 'FISCAL_RETENTION_YEARS; rows cannot be edited (the chain proves it), so erasure leaves them',
    rule: { export: true, withheld: ['prev_hash', 'hash'] },
  },
  event_outbox: {
    personalData: 'events about declarations and payments (owner id); password-reset requests (the address asked for)',
    purpose: 'publishing events reliably',
    retention: 'deleted EVENT_RETENTION_DAYS after publication',
    rule: eventCopies,
  },
  processed_events: {
    personalData: 'none (event ids)',
    purpose: 'consumers processing each event once',
    retention: 'deleted EVENT_RETENTION_DAYS after processing',
    rule: eventCopies,
  },
  dead_letters: {
    personalData: 'events that failed (owner id)',
    purpose: 'operations: replaying what failed',
    retention: 'deleted EVENT_RETENTION_DAYS after replay; open ones kept until replayed',
    rule: eventCopies,
  },
};

/** Tables whose rows about a person the export carries. */
export const EXPORTED_TABLES = Object.entries(DATA_INVENTORY)
  .filter(([, e]) => e.rule.export)
  .map(([table]) => table);
