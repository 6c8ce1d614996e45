/** The automatable go-live checks of docs/GO-LIVE.md, each with a stable id: they probe a deployment (HTTP, PostgreSQL or gcloud JSON) or read the repository, and say go, no-go or not applicable. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { apiRoutes } from '../../shared/api';
import { buildOpenApiDocument } from '../../shared/http/openapi';
import { loadMigrations, type MigrationFile } from '../../shared/migrations/migration-files';
import { CommandError, gcloudJson, mapLimit, type RunCommand } from './gcloud';
import type { CheckOutcome } from './check-outcome';
import {
  checkCiPipeline,
  checkDatabaseConfig,
  checkDeployPipeline,
  checkDocs,
  checkEnvironments,
  checkMonitoringConfig,
  checkRetention,
  checkSecurityScans,
} from './preflight-repository';
export type { CheckOutcome, Status } from './check-outcome';

export interface Target {
  /** local, dev, staging or prod. */
  env: string;
  baseUrl: string;
  databaseUrl?: string;
  /** Absent locally: every GCP check is then not applicable. */
  gcp?: {
    project: string;
    region: string;
    sqlInstance: string;
    migrationsJob: string;
    host: string;
    secrets: string[];
    /** Cloud Scheduler jobs of the topology. */
    jobs: string[];
    /** github-deployer@<project>.iam.gserviceaccount.com */
    deployer: string;
    /** The cross-region replica and where backups are stored, when the environment's Terraform has them. */
    replica?: { instance: string; region: string };
    backupLocation?: string;
  };
}

export interface CheckDeps {
  run: RunCommand;
  fetch: typeof fetch;
  migrationsDir: string;
  dashboardsDir: string;
  alertingDir: string;
  sleep: (ms: number) => Promise<void>;
  /** How many times the migration job's logs are read before giving up (they arrive a few seconds late). */
  logAttempts: number;
  /** The checkout the repository checks read. */
  repoRoot: string;
  now: () => Date;
  /** How long an HTTP check waits for its answer. */
  httpTimeoutMs: number;
}

export const NOT_LOCAL = 'not applicable locally';

const go = (check: string, detail: string): CheckOutcome => ({ check, status: 'GO', detail });
const noGo = (check: string, detail: string): CheckOutcome => ({ check, status: 'NO-GO', detail });
const message = (err: unknown) => (err instanceof CommandError ? err.message : err instanceof Error ? err.message : String(err));

async function getJson(deps: CheckDeps, url: string): Promise<{ status: number; body: unknown }> {
  const res = await deps.fetch(url, { signal: AbortSignal.timeout(deps.httpTimeoutMs), headers: { accept: 'application/json' } });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: reported as text
  }
  return { status: res.status, body };
}

export async function checkHealth(t: Target, deps: CheckDeps): Promise<CheckOutcome> {
  const name = 'health: GET /health';
  try {
    const { status, body } = await getJson(deps, `${t.baseUrl}/health`);
    const b = body as { status?: string; version?: string; environment?: string };
    if (status !== 200 || b.status !== 'ok') return noGo(name, `expected 200 {"status":"ok"}, got ${status} ${JSON.stringify(body).slice(0, 120)}`);
    return go(name, `version ${b.version ?? '?'}, environment ${b.environment ?? '?'}`);
  } catch (err) {
    return noGo(name, `${t.baseUrl}/health did not answer: ${message(err)}`);
  }
}

export async function checkReadiness(t: Target, deps: CheckDeps): Promise<CheckOutcome> {
  const name = 'readiness: GET /health/ready';
  try {
    const { status, body } = await getJson(deps, `${t.baseUrl}/health/ready`);
    const b = body as { ready?: boolean; failing?: string[]; checks?: Record<string, { status?: string }> };
    const checks = Object.entries(b.checks ?? {})
      .map(([k, v]) => `${k} ${v.status ?? '?'}`)
      .join(', ');
    if (status !== 200 || b.ready !== true) return noGo(name, `${status}: failing ${(b.failing ?? []).join(', ') || 'unknown'}${checks ? ` (${checks})` : ''}`);
    return go(name, checks || 'ready');
  } catch (err) {
    return noGo(name, `${t.baseUrl}/health/ready did not answer: ${message(err)}`);
  }
}

export async function checkCatalog(t: Target, deps: CheckDeps): Promise<CheckOutcome> {
  const name = 'catalog: GET /api/v1/fiscal-services';
  try {
    const { status, body } = await getJson(deps, `${t.baseUrl}/api/v1/fiscal-services?limit=1`);
    const total = (body as { total?: number }).total;
    if (status !== 200 || typeof total !== 'number' || total < 1)
      return noGo(name, `expected 200 with services, got ${status} ${JSON.stringify(body).slice(0, 120)}`);
    return go(name, `${total} services listed`);
  } catch (err) {
    return noGo(name, `did not answer: ${message(err)}`);
  }
}

interface Applied {
  version: number;
  name: string;
  checksum?: string;
  state?: string;
}

/** Compares what the database has applied with the files of migrations/. */
export function compareMigrations(files: MigrationFile[], applied: Applied[]): { atHead: boolean; detail: string } {
  const byVersion = new Map(applied.map((a) => [a.version, a]));
  const label = (v: number, n: string) => `${String(v).padStart(4, '0')}_${n}`;
  const pending = files.filter((f) => !byVersion.has(f.version) || byVersion.get(f.version)?.state === 'pending').map((f) => label(f.version, f.name));
  const changed = files
    .filter((f) => {
      const a = byVersion.get(f.version);
      return a && (a.state === 'changed' || (a.checksum !== undefined && a.checksum !== f.checksum));
    })
    .map((f) => label(f.version, f.name));
  const known = new Set(files.map((f) => f.version));
  const unknown = applied.filter((a) => !known.has(a.version) || a.state === 'missing').map((a) => label(a.version, a.name));
  const problems = [
    pending.length ? `pending: ${pending.join(', ')}` : '',
    changed.length ? `changed after being applied: ${changed.join(', ')}` : '',
    unknown.length ? `applied but absent from migrations/: ${unknown.join(', ')}` : '',
  ].filter(Boolean);
  const head = files.at(-1);
  if (problems.length) return { atHead: false, detail: problems.join('; ') };
  return { atHead: true, detail: `${files.length} applied, head ${head ? label(head.version, head.name) : '(none)'}` };
}

async function appliedFromDatabase(url: string): Promise<Applied[]> {
  const client = new Client({ connectionString: url, application_name: 'taxasge-preflight', connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const exists = await client.query<{ found: string | null }>(`SELECT to_regclass('schema_migrations') AS found`);
    if (!exists.rows[0]?.found) return [];
    const { rows } = await client.query<Applied>('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
    return rows;
  } finally {
    await client.end();
  }
}

interface LogEntry {
  textPayload?: string;
}

const STATUS_LINE = /^(\d{4})\s+(applied|pending|changed|missing)\s+(\S+)/;

/** Runs the migrations job with `status` and reads what it printed (Cloud Logging), when the database is only reachable from the VPC. */
async function appliedFromJob(gcp: NonNullable<Target['gcp']>, deps: CheckDeps): Promise<Applied[]> {
  const where = [`--project=${gcp.project}`, `--region=${gcp.region}`];
  const execution = await gcloudJson<{ metadata?: { name?: string } }>(deps.run, [
    'run',
    'jobs',
    'execute',
    gcp.migrationsJob,
    ...where,
    '--args=index.js,status',
    '--wait',
  ]);
  const name = execution?.metadata?.name;
  if (!name) throw new Error('gcloud run jobs execute returned no execution name');
  const filter = `resource.type="cloud_run_job" AND resource.labels.job_name="${gcp.migrationsJob}" AND labels."run.googleapis.com/execution_name"="${name}"`;
  for (let attempt = 1; ; attempt++) {
    const entries = await gcloudJson<LogEntry[]>(deps.run, ['logging', 'read', filter, `--project=${gcp.project}`, '--order=asc', '--limit=1000']);
    const applied = (entries ?? []).flatMap((e) => {
      const m = STATUS_LINE.exec(e.textPayload?.trim() ?? '');
      return m ? [{ version: Number(m[1]), state: m[2]!, name: m[3]! }] : [];
    });
    if (applied.length || attempt >= deps.logAttempts) {
      if (!applied.length) throw new Error(`execution ${name} printed no migration status in Cloud Logging after ${attempt} reads`);
      return applied;
    }
    await deps.sleep(5_000);
  }
}

export async function checkMigrations(t: Target, deps: CheckDeps): Promise<CheckOutcome> {
  const name = 'migrations at head';
  try {
    const files = loadMigrations(deps.migrationsDir);
    let applied: Applied[];
    let via: string;
    if (t.databaseUrl) {
      applied = await appliedFromDatabase(t.databaseUrl);
      via = 'schema_migrations';
    } else if (t.gcp) {
      applied = await appliedFromJob(t.gcp, deps);
      via = `job ${t.gcp.migrationsJob} status`;
    } else {
      return noGo(name, 'DATABASE_URL is not set: start `npm start` with DATABASE_URL (the embedded database does not publish its URL) and pass the same');
    }
    const { atHead, detail } = compareMigrations(files, applied);
    return { check: name, status: atHead ? 'GO' : 'NO-GO', detail: `${detail} (${via})` };
  } catch (err) {
    return noGo(name, message(err));
  }
}

interface SecretVersion {
  name: string;
  state: string;
}

export async function checkSecrets(t: Target, deps: CheckDeps): Promise<CheckOutcome> {
  const name = 'required secrets have a value';
  if (!t.gcp) return { check: name, status: 'N/A', detail: NOT_LOCAL };
  const gcp = t.gcp;
  const results = await mapLimit(gcp.secrets, 6, async (secret) => {
    try {
      const versions = await gcloudJson<SecretVersion[]>(deps.run, ['secrets', 'versions', 'list', secret, `--project=${gcp.project}`]);
      return versions.some((v) => v.state === 'ENABLED') ? undefined : `${secret} (no enabled version)`;
    } catch (err) {
      return err instanceof CommandError && /NOT_FOUND/.test(err.result.stderr) ? `${secret} (missing)` : `${secret} (${message(err)})`;
    }
  });
  const missing = results.filter((r): r is string => Boolean(r));
  return missing.length ? noGo(name, missing.join(', ')) : go(name, `${gcp.secrets.length} secrets with an enabled version`);
}

function displayNames(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const json = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { displayName?: string };
      if (!json.displayName) throw new Error(`${path.join(path.basename(dir), f)} has no displayName`);
      return json.displayName;
    });
}

export async function checkDashboards(t: Target, deps: CheckDeps): Promise<CheckOutcome> {
  const name = 'dashboards present';
  if (!t.gcp) return { check: name, status: 'N/A', detail: NOT_LOCAL };
  try {
    const expected = displayNames(deps.dashboardsDir);
    if (!expected.length) return noGo(name, `no dashboard files in ${deps.dashboardsDir}`);
    const deployed = new Set(
      (await gcloudJson<{ displayName?: string }[]>(deps.run, ['monitoring', 'dashboards', 'list', `--project=${t.gcp.project}`])).map((d) => d.displayName),
    );
    const missing = expected.filter((d) => !deployed.has(d));
    return missing.length ? noGo(name, `missing: ${missing.join(', ')}`) : go(name, `${expected.length} of ${expected.length} dashboards`);
  } catch (err) {
    return noGo(name, message(err));
  }
}

interface Policy {
  displayName?: string;
  enabled?: boolean;
  notificationChannels?: string[];
}

export async function checkAlertPolicies(t: Target, deps: CheckDeps): Promise<CheckOutcome> {
  const name = 'alert policies present, enabled, routed';
  if (!t.gcp) return { check: name, status: 'N/A', detail: NOT_LOCAL };
  try {
    const expected = displayNames(deps.alertingDir);
    if (!expected.length) return noGo(name, `no alert policy files in ${deps.alertingDir}`);
    const deployed = new Map(
      (await gcloudJson<Policy[]>(deps.run, ['alpha', 'monitoring', 'policies', 'list', `--project=${t.gcp.project}`])).map((p) => [p.displayName, p]),
    );
    const problems = expected.flatMap((d) => {
      const p = deployed.get(d);
      if (!p) return [`${d} missing`];
      if (p.enabled === false) return [`${d} disabled`];
      if (!p.notificationChannels?.length) return [`${d} has no notification channel`];
      return [];
    });
    return problems.length ? noGo(name, problems.join(', ')) : go(name, `${expected.length} of ${expected.length} policies, each with a channel`);
  } catch (err) {
    return noGo(name, message(err));
  }
}

interface UptimeCheck {
  displayName?: string;
  httpCheck?: { path?: string };
  monitoredResource?: { labels?: Record<string, string> };
}

export async function checkUptime(t: Target, deps: CheckDeps): Promise<CheckOutcome> {
  const name = 'uptime check on /health';
  if (!t.gcp) return { check: name, status: 'N/A', detail: NOT_LOCAL };
  const gcp = t.gcp;
  try {
    const checks = await gcloudJson<UptimeCheck[]>(deps.run, ['monitoring', 'uptime', 'list-configs', `--project=${gcp.project}`]);
    const found = checks.find((c) => c.httpCheck?.path === '/health' && c.monitoredResource?.labels?.host === gcp.host);
    return found
      ? go(name, `${found.displayName ?? 'check'} probes https://${gcp.host}/health`)
      : noGo(name, `no uptime check probes https://${gcp.host}/health`);
  } catch (err) {
    return noGo(name, message(err));
  }
}

interface SqlInstance {
  databaseVersion?: string;
  settings?: {
    deletionProtectionEnabled?: boolean;
    ipConfiguration?: { ipv4Enabled?: boolean; privateNetwork?: string };
    backupConfiguration?: {
      enabled?: boolean;
      pointInTimeRecoveryEnabled?: boolean;
      backupRetentionSettings?: { retainedBackups?: number };
      transactionLogRetentionDays?: number;
      location?: string;
    };
  };
}

export async function checkBackups(t: Target, deps: CheckDeps): Promise<CheckOutcome> {
  const name = 'database backups and recovery';
  if (!t.gcp) return { check: name, status: 'N/A', detail: NOT_LOCAL };
  try {
    const i = await gcloudJson<SqlInstance>(deps.run, ['sql', 'instances', 'describe', t.gcp.sqlInstance, `--project=${t.gcp.project}`]);
    const b = i.settings?.backupConfiguration;
    const retained = b?.backupRetentionSettings?.retainedBackups ?? 0;
    const problems = [
      b?.enabled ? '' : 'daily backups disabled',
      b?.pointInTimeRecoveryEnabled ? '' : 'point-in-time recovery disabled',
      retained >= 30 ? '' : `only ${retained} backups retained (30 expected)`,
      i.settings?.deletionProtectionEnabled ? '' : 'deletion protection off',
      i.settings?.ipConfiguration?.ipv4Enabled === false ? '' : 'public IP enabled',
      i.databaseVersion === 'POSTGRES_15' ? '' : `database version ${i.databaseVersion ?? 'unknown'} (POSTGRES_15 expected)`,
      !t.gcp.backupLocation || b?.location === t.gcp.backupLocation
        ? ''
        : `backups stored in ${b?.location ?? 'the default location'}, not ${t.gcp.backupLocation}`,
    ].filter(Boolean);
    if (problems.length) return noGo(name, problems.join(', '));
    return go(
      name,
      `daily backups kept ${retained}, PITR ${b?.transactionLogRetentionDays ?? '?'} days, deletion protection, private IP only${b?.location ? `, stored in ${b.location}` : ''}`,
    );
  } catch (err) {
    return noGo(name, message(err));
  }
}

interface BackupRun {
  status?: string;
  endTime?: string;
  location?: string;
  type?: string;
}

/** The newest automated backup succeeded within the last 26 hours, stored where Terraform says. */
export async function checkLastBackup(t: Target, deps: CheckDeps): Promise<CheckOutcome> {
  const name = 'last backup under 26 hours old';
  if (!t.gcp) return { check: name, status: 'N/A', detail: NOT_LOCAL };
  try {
    const runs = await gcloudJson<BackupRun[]>(deps.run, [
      'sql',
      'backups',
      'list',
      `--instance=${t.gcp.sqlInstance}`,
      `--project=${t.gcp.project}`,
      '--limit=10',
    ]);
    const done = (runs ?? []).filter((r) => r.status === 'SUCCESSFUL' && r.endTime).sort((a, b) => Date.parse(b.endTime!) - Date.parse(a.endTime!));
    const last = done[0];
    if (!last) return noGo(name, `no successful backup of ${t.gcp.sqlInstance}`);
    const hours = (deps.now().getTime() - Date.parse(last.endTime!)) / 3_600_000;
    const problems = [
      hours <= 26 ? '' : `the newest successful backup ended ${hours.toFixed(1)} h ago (${last.endTime})`,
      !t.gcp.backupLocation || last.location === t.gcp.backupLocation ? '' : `stored in ${last.location ?? 'an unknown location'}, not ${t.gcp.backupLocation}`,
    ].filter(Boolean);
    return problems.length ? noGo(name, problems.join(', ')) : go(name, `ended ${hours.toFixed(1)} h ago (${last.endTime}) in ${last.location ?? '?'}`);
  } catch (err) {
    return noGo(name, message(err));
  }
}

interface ReplicaInstance {
  state?: string;
  region?: string;
  masterInstanceName?: string;
}

/** The cross-region replica runs, in its region, following the primary: promotable if the primary's region is lost. */
export async function checkReplica(t: Target, deps: CheckDeps): Promise<CheckOutcome> {
  const name = 'cross-region replica running';
  if (!t.gcp) return { check: name, status: 'N/A', detail: NOT_LOCAL };
  const { replica, sqlInstance, project } = t.gcp;
  if (!replica) return { check: name, status: 'N/A', detail: `no replica in terraform/envs/${t.env}` };
  try {
    const i = await gcloudJson<ReplicaInstance>(deps.run, ['sql', 'instances', 'describe', replica.instance, `--project=${project}`]);
    const master = i.masterInstanceName ?? '';
    const problems = [
      i.state === 'RUNNABLE' ? '' : `state ${i.state ?? 'unknown'} (RUNNABLE expected)`,
      i.region === replica.region ? '' : `in ${i.region ?? 'an unknown region'}, not ${replica.region}`,
      master === sqlInstance || master.endsWith(`:${sqlInstance}`) ? '' : `replicates ${master || 'nothing'}, not ${sqlInstance}`,
    ].filter(Boolean);
    return problems.length
      ? noGo(name, `${replica.instance}: ${problems.join(', ')}`)
      : go(name, `${replica.instance} in ${replica.region} follows ${sqlInstance}`);
  } catch (err) {
    return noGo(name, message(err));
  }
}

/** Google Vision (the production OCR provider) and the other Google APIs the stack calls are enabled. */
export const REQUIRED_APIS = ['vision.googleapis.com', 'sqladmin.googleapis.com', 'cloudscheduler.googleapis.com', 'secretmanager.googleapis.com'];

export async function checkApis(t: Target, deps: CheckDeps): Promise<CheckOutcome> {
  const name = 'Google APIs enabled (Vision included)';
  if (!t.gcp) return { check: name, status: 'N/A', detail: NOT_LOCAL };
  try {
    const enabled = new Set(
      (await gcloudJson<{ config?: { name?: string } }[]>(deps.run, ['services', 'list', '--enabled', `--project=${t.gcp.project}`])).map(
        (x) => x.config?.name,
      ),
    );
    const missing = REQUIRED_APIS.filter((api) => !enabled.has(api));
    return missing.length ? noGo(name, `not enabled: ${missing.join(', ')}`) : go(name, REQUIRED_APIS.join(', '));
  } catch (err) {
    return noGo(name, message(err));
  }
}

/** Every scheduled job of the topology exists in Cloud Scheduler and is enabled (the data-retention job among them). */
export async function checkSchedulerJobs(t: Target, deps: CheckDeps): Promise<CheckOutcome> {
  const name = 'scheduled jobs enabled';
  if (!t.gcp) return { check: name, status: 'N/A', detail: NOT_LOCAL };
  try {
    const deployed = new Map(
      (
        await gcloudJson<{ name?: string; state?: string }[]>(deps.run, [
          'scheduler',
          'jobs',
          'list',
          `--project=${t.gcp.project}`,
          `--location=${t.gcp.region}`,
        ])
      ).map((j) => [j.name?.split('/').at(-1), j.state]),
    );
    const problems = t.gcp.jobs.flatMap((job) =>
      !deployed.has(job) ? [`${job} missing`] : deployed.get(job) !== 'ENABLED' ? [`${job} ${deployed.get(job) ?? 'in an unknown state'}`] : [],
    );
    return problems.length ? noGo(name, problems.join(', ')) : go(name, `${t.gcp.jobs.length} of ${t.gcp.jobs.length} jobs enabled`);
  } catch (err) {
    return noGo(name, message(err));
  }
}

/** The deployer authenticates by Workload Identity Federation only: no user-managed key exists. */
export async function checkDeployerKeys(t: Target, deps: CheckDeps): Promise<CheckOutcome> {
  const name = 'no service account key for the deployer';
  if (!t.gcp) return { check: name, status: 'N/A', detail: NOT_LOCAL };
  try {
    const keys = await gcloudJson<{ name?: string }[]>(deps.run, [
      'iam',
      'service-accounts',
      'keys',
      'list',
      `--iam-account=${t.gcp.deployer}`,
      '--managed-by=user',
      `--project=${t.gcp.project}`,
    ]);
    return keys?.length
      ? noGo(name, `${keys.length} user-managed key(s) on ${t.gcp.deployer}: delete them`)
      : go(name, `${t.gcp.deployer} has no user-managed key`);
  } catch (err) {
    return noGo(name, message(err));
  }
}

/** HTTPS: the public URL is served over TLS (Hosting's certificate) and asks browsers to stay on it (HSTS). */
export async function checkHttps(t: Target, deps: CheckDeps): Promise<CheckOutcome> {
  const name = 'HTTPS with HSTS';
  if (!t.baseUrl.startsWith('https://')) return { check: name, status: 'N/A', detail: `${t.baseUrl} is plain HTTP (local)` };
  try {
    const res = await deps.fetch(`${t.baseUrl}/health`, { signal: AbortSignal.timeout(deps.httpTimeoutMs) });
    await res.text();
    const hsts = res.headers.get('strict-transport-security') ?? '';
    const maxAge = Number(/max-age=(\d+)/.exec(hsts)?.[1] ?? 0);
    return maxAge >= 15_552_000
      ? go(name, `certificate accepted; ${hsts}`)
      : noGo(name, hsts ? `HSTS max-age ${maxAge} s is under 180 days` : 'no Strict-Transport-Security header on /health');
  } catch (err) {
    return noGo(name, `${t.baseUrl}/health over TLS failed: ${message(err)}`);
  }
}

/** Compliance: the privacy notice answers in the three languages. */
export async function checkPrivacyNotice(t: Target, deps: CheckDeps): Promise<CheckOutcome> {
  const name = 'privacy notice in es, fr, en';
  try {
    const answers = await Promise.all(['es', 'fr', 'en'].map(async (lang) => ({ lang, ...(await getJson(deps, `${t.baseUrl}/api/v1/privacy?lang=${lang}`)) })));
    const problems = answers.filter((a) => a.status !== 200 || (a.body as { lang?: string }).lang !== a.lang).map((a) => `${a.lang}: ${a.status}`);
    const version = (answers[0]!.body as { version?: string }).version;
    return problems.length ? noGo(name, `GET /api/v1/privacy failed for ${problems.join(', ')}`) : go(name, `version ${version ?? '?'} in es, fr, en`);
  } catch (err) {
    return noGo(name, `did not answer: ${message(err)}`);
  }
}

/** Documentation: the API reference served is the one of this checkout (same paths) and of the running version. */
export async function checkApiReference(t: Target, deps: CheckDeps): Promise<CheckOutcome> {
  const name = 'API reference matches the code';
  try {
    const [served, health] = await Promise.all([getJson(deps, `${t.baseUrl}/api/v1/openapi.json`), getJson(deps, `${t.baseUrl}/health`)]);
    const doc = served.body as { paths?: Record<string, unknown>; info?: { version?: string } };
    if (served.status !== 200 || !doc.paths) return noGo(name, `GET /api/v1/openapi.json answered ${served.status}`);
    const expected = Object.keys(buildOpenApiDocument(apiRoutes, { version: 'expected' }).paths ?? {});
    const actual = Object.keys(doc.paths);
    const missing = expected.filter((p) => !actual.includes(p));
    const extra = actual.filter((p) => !expected.includes(p));
    const running = (health.body as { version?: string }).version;
    const problems = [
      missing.length ? `not in the served reference: ${missing.join(', ')}` : '',
      extra.length ? `served but not in this checkout: ${extra.join(', ')}` : '',
      running && doc.info?.version !== running ? `reference of version ${doc.info?.version ?? '?'}, API running ${running}` : '',
    ].filter(Boolean);
    return problems.length ? noGo(name, problems.join('; ')) : go(name, `${actual.length} paths, version ${doc.info?.version ?? '?'}`);
  } catch (err) {
    return noGo(name, `did not answer: ${message(err)}`);
  }
}

export type CheckKind = 'http' | 'database' | 'gcloud' | 'repository';

export interface PreflightCheck {
  /** Stable id, named by docs/GO-LIVE.md's items. */
  id: string;
  kind: CheckKind;
  run: (t: Target, deps: CheckDeps) => Promise<CheckOutcome>;
}

const repository = (fn: (deps: CheckDeps) => Promise<CheckOutcome>) => (_t: Target, deps: CheckDeps) => fn(deps);

export const CHECKS: readonly PreflightCheck[] = [
  { id: 'health', kind: 'http', run: checkHealth },
  { id: 'readiness', kind: 'http', run: checkReadiness },
  { id: 'catalog', kind: 'http', run: checkCatalog },
  { id: 'https', kind: 'http', run: checkHttps },
  { id: 'privacy-notice', kind: 'http', run: checkPrivacyNotice },
  { id: 'api-reference', kind: 'http', run: checkApiReference },
  { id: 'migrations', kind: 'database', run: checkMigrations },
  { id: 'secrets', kind: 'gcloud', run: checkSecrets },
  { id: 'dashboards', kind: 'gcloud', run: checkDashboards },
  { id: 'alert-policies', kind: 'gcloud', run: checkAlertPolicies },
  { id: 'uptime', kind: 'gcloud', run: checkUptime },
  { id: 'backups', kind: 'gcloud', run: checkBackups },
  { id: 'last-backup', kind: 'gcloud', run: checkLastBackup },
  { id: 'replica', kind: 'gcloud', run: checkReplica },
  { id: 'google-apis', kind: 'gcloud', run: checkApis },
  { id: 'scheduler-jobs', kind: 'gcloud', run: checkSchedulerJobs },
  { id: 'deployer-keys', kind: 'gcloud', run: checkDeployerKeys },
  { id: 'ci-pipeline', kind: 'repository', run: repository(checkCiPipeline) },
  { id: 'deploy-pipeline', kind: 'repository', run: repository(checkDeployPipeline) },
  { id: 'environments', kind: 'repository', run: repository(checkEnvironments) },
  { id: 'database-config', kind: 'repository', run: repository(checkDatabaseConfig) },
  { id: 'monitoring-config', kind: 'repository', run: repository(checkMonitoringConfig) },
  { id: 'security-scans', kind: 'repository', run: repository(checkSecurityScans) },
  { id: 'docs', kind: 'repository', run: repository(checkDocs) },
  { id: 'retention', kind: 'repository', run: repository(checkRetention) },
];

/** Runs every check (or those of `only`), each outcome carrying its check's id, in the order of CHECKS. */
export async function runChecks(t: Target, deps: CheckDeps, only?: readonly string[]): Promise<CheckOutcome[]> {
  const selected = only?.length ? CHECKS.filter((c) => only.includes(c.id)) : CHECKS;
  return Promise.all(selected.map(async (c) => ({ id: c.id, ...(await c.run(t, deps)) })));
}
