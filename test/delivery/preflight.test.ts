import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Client } from 'pg';
import { MIGRATIONS_DIR } from '../../shared/migrations';
import { loadMigrations } from '../../shared/migrations/migration-files';
import { createMigrator } from '../../shared/migrations/migrator';
import type { Cache } from '../../shared/ports/cache.port';
import { runChecks, type CheckDeps, type CheckOutcome } from '../../scripts/delivery/preflight-checks';
import { main, resolveTarget } from '../../scripts/preflight';
import { createEmptyDatabase } from '../support/test-database';
import { createTestApp, type TestApp } from '../support/test-app';
import { fakeGcloud, fixture, FIXTURES, type FakeGcloud } from './fake-gcloud';

const baseDeps = (run: CheckDeps['run'], extra: Partial<CheckDeps> = {}): CheckDeps => ({
  run,
  fetch: (...args) => fetch(...args),
  migrationsDir: MIGRATIONS_DIR,
  dashboardsDir: path.join(FIXTURES, 'monitoring/dashboards'),
  alertingDir: path.join(FIXTURES, 'monitoring/alerting'),
  sleep: async () => undefined,
  logAttempts: 3,
  ...extra,
});
const noGcloud = fakeGcloud(() => undefined);
const byCheck = (outcomes: CheckOutcome[]) => Object.fromEntries(outcomes.map((o) => [o.check, o]));
const migrations = loadMigrations(MIGRATIONS_DIR);
const label = (m: { version: number; name: string }) => `${String(m.version).padStart(4, '0')}_${m.name}`;

async function listen(app: TestApp): Promise<string> {
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

describe('preflight --env local against the local stack', () => {
  let app: TestApp;
  let baseUrl: string;
  beforeAll(async () => {
    app = await createTestApp({ env: { SERVICE_VERSION: '1.4.0' } });
    baseUrl = await listen(app);
  });
  afterAll(async () => {
    await new Promise((r) => app.server.close(r));
    await app.close();
  });

  it('is GO with real checks, and marks the GCP checks not applicable', async () => {
    const lines: string[] = [];
    const code = await main(['--env', 'local', '--base-url', baseUrl], { DATABASE_URL: app.database.url }, baseDeps(noGcloud.run), (l) => lines.push(l));
    const out = lines.join('\n');

    expect(code).toBe(0);
    expect(out).toMatch(/health: GET \/health\s+GO\s+version 1\.4\.0, environment test/);
    expect(out).toMatch(/readiness: GET \/health\/ready\s+GO\s+database up, cache up/);
    expect(out).toMatch(/catalog: GET \/api\/v1\/fiscal-services\s+GO\s+547 services listed/);
    expect(out).toContain(`GO      ${migrations.length} applied, head ${label(migrations.at(-1)!)} (schema_migrations)`);
    for (const check of ['required secrets have a value', 'dashboards present', 'alert policies present, enabled, routed', 'uptime check on /health', 'database backups and recovery']) {
      expect(out).toMatch(new RegExp(`${check.replace(/[()/]/g, '\\$&')}\\s+N/A\\s+not applicable locally`));
    }
    expect(out).toContain('GO: every automated check passed (GCP checks do not apply locally)');
    expect(noGcloud.calls).toEqual([]);
  });

  it('is NO-GO when the database lags behind migrations/', async () => {
    const db = await createEmptyDatabase();
    try {
      await createMigrator({ connectionString: db.url, migrations: migrations.slice(0, 1) }).up();
      const checks = byCheck(await runChecks({ env: 'local', baseUrl, databaseUrl: db.url }, baseDeps(noGcloud.run)));
      expect(checks['migrations at head']).toEqual({
        check: 'migrations at head',
        status: 'NO-GO',
        detail: `pending: ${migrations.slice(1).map(label).join(', ')} (schema_migrations)`,
      });
    } finally {
      await db.drop();
    }
  });

  it('is NO-GO when an applied migration was edited, or the database has one the files lack', async () => {
    const client = new Client({ connectionString: app.database.url });
    await client.connect();
    try {
      await client.query(`UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1`);
      await client.query(`INSERT INTO schema_migrations (version, name, checksum, execution_ms) VALUES (9999, 'from_another_branch', 'x', 1)`);
      const checks = byCheck(await runChecks({ env: 'local', baseUrl, databaseUrl: app.database.url }, baseDeps(noGcloud.run)));
      expect(checks['migrations at head']!.status).toBe('NO-GO');
      expect(checks['migrations at head']!.detail).toBe(`changed after being applied: ${label(migrations[0]!)}; applied but absent from migrations/: 9999_from_another_branch (schema_migrations)`);
    } finally {
      await client.query(`UPDATE schema_migrations SET checksum = $1 WHERE version = 1`, [migrations[0]!.checksum]);
      await client.query('DELETE FROM schema_migrations WHERE version = 9999');
      await client.end();
    }
  });

  it('is NO-GO without DATABASE_URL, saying how to give it', async () => {
    const lines: string[] = [];
    const code = await main(['--env', 'local', '--base-url', baseUrl], {}, baseDeps(noGcloud.run), (l) => lines.push(l));
    expect(code).toBe(1);
    expect(lines.join('\n')).toContain('DATABASE_URL is not set');
    expect(lines.join('\n')).toContain('NO-GO: 1 of 9 checks failed (migrations at head)');
  });

  it('is NO-GO when nothing listens at the base URL', async () => {
    const checks = byCheck(await runChecks({ env: 'local', baseUrl: 'http://127.0.0.1:9', databaseUrl: app.database.url }, baseDeps(noGcloud.run)));
    expect(checks['health: GET /health']).toMatchObject({ status: 'NO-GO' });
    expect(checks['health: GET /health']!.detail).toMatch(/^http:\/\/127\.0\.0\.1:9\/health did not answer: /);
    expect(checks['readiness: GET /health/ready']!.status).toBe('NO-GO');
  });
});

describe('preflight readiness when the cache is down', () => {
  let app: TestApp;
  const broken: Cache = {
    kind: 'upstash',
    get: () => Promise.reject(new Error('cache unreachable')),
    set: () => Promise.reject(new Error('cache unreachable')),
    del: () => Promise.reject(new Error('cache unreachable')),
    incr: () => Promise.reject(new Error('cache unreachable')),
    ping: () => Promise.reject(new Error('cache unreachable')),
  };
  beforeAll(async () => {
    app = await createTestApp({ cache: broken });
  });
  afterAll(async () => {
    await new Promise((r) => app.server.close(r));
    await app.close();
  });

  it('names the failing check', async () => {
    const baseUrl = await listen(app);
    const checks = byCheck(await runChecks({ env: 'local', baseUrl, databaseUrl: app.database.url }, baseDeps(noGcloud.run)));
    expect(checks['readiness: GET /health/ready']).toEqual({ check: 'readiness: GET /health/ready', status: 'NO-GO', detail: '503: failing cache (database up, cache down, pubsub up)' });
  });
});

/** gcloud answering from recorded responses of a healthy production project. */
function recordedProd(overrides: (args: string[]) => string | undefined = () => undefined): FakeGcloud {
  const statusEntries = (which: typeof migrations) => {
    const template = JSON.parse(fixture('gcloud/logging-migrate-status-entry.json')) as { textPayload: string };
    return JSON.stringify(which.map((m) => ({ ...template, textPayload: `${String(m.version).padStart(4, '0')}  applied  ${m.name}  (2026-09-02T08:31:20.118Z)` })));
  };
  return fakeGcloud((args) => {
    const overridden = overrides(args);
    if (overridden !== undefined) return overridden === 'NOT_FOUND' ? undefined : overridden;
    const cmd = args.filter((a) => !a.startsWith('--')).slice(0, 4).join(' ');
    if (cmd.startsWith('secrets versions list')) return fixture('gcloud/secret-versions.json').replaceAll('SECRET', args[3]!);
    if (cmd === 'monitoring dashboards list') return fixture('gcloud/monitoring-dashboards.json');
    if (cmd === 'alpha monitoring policies list') return fixture('gcloud/monitoring-policies.json');
    if (cmd === 'monitoring uptime list-configs') return fixture('gcloud/uptime-configs.json');
    if (cmd === 'sql instances describe taxasge-db') return fixture('gcloud/sql-instance.json');
    if (cmd === 'run jobs execute taxasge-migrate') return fixture('gcloud/run-job-execution.json');
    if (args[0] === 'logging' && args[1] === 'read') return statusEntries(migrations);
    return undefined;
  });
}

describe('preflight --env prod against recorded API responses', () => {
  let app: TestApp;
  let baseUrl: string;
  beforeAll(async () => {
    app = await createTestApp();
    baseUrl = await listen(app);
  });
  afterAll(async () => {
    await new Promise((r) => app.server.close(r));
    await app.close();
  });

  it('takes the project, region, host and secrets from the Terraform code', async () => {
    const target = await resolveTarget('prod', {});
    expect(target.baseUrl).toBe('https://taxasge-prod.web.app');
    expect(target.gcp).toMatchObject({ project: 'taxasge-prod', region: 'europe-west1', sqlInstance: 'taxasge-db', migrationsJob: 'taxasge-migrate', host: 'taxasge-prod.web.app' });
    expect(target.gcp!.secrets).toEqual(expect.arrayContaining(['database-url', 'bange-webhook-secret', 'pagerduty-integration-key']));
  });

  it('is GO when every recorded answer is healthy', async () => {
    const gcloud = recordedProd();
    const lines: string[] = [];
    const code = await main(['--env', 'prod', '--base-url', baseUrl], {}, baseDeps(gcloud.run), (l) => lines.push(l));
    const out = lines.join('\n');

    expect(out).toContain('Preflight of prod at http://127.0.0.1:');
    expect(out).toContain(`GO      ${migrations.length} applied, head ${label(migrations.at(-1)!)} (job taxasge-migrate status)`);
    const { gcp } = await resolveTarget('prod', {});
    expect(out).toMatch(new RegExp(`required secrets have a value\\s+GO\\s+${gcp!.secrets.length} secrets with an enabled version`));
    expect(gcloud.calls.filter((c) => c[1] === 'secrets').map((c) => c[4]).sort()).toEqual([...gcp!.secrets].sort());
    expect(out).toMatch(/dashboards present\s+GO\s+2 of 2 dashboards/);
    expect(out).toMatch(/alert policies present, enabled, routed\s+GO\s+3 of 3 policies, each with a channel/);
    expect(out).toMatch(/uptime check on \/health\s+GO\s+taxasge-prod-health probes https:\/\/taxasge-prod\.web\.app\/health/);
    expect(out).toMatch(/database backups and recovery\s+GO\s+daily backups kept 30, PITR 7 days, deletion protection, private IP only/);
    expect(code).toBe(0);

    const execute = gcloud.calls.find((c) => c[2] === 'jobs');
    expect(execute).toEqual(['gcloud', 'run', 'jobs', 'execute', 'taxasge-migrate', '--project=taxasge-prod', '--region=europe-west1', '--args=index.js,status', '--wait', '--format=json']);
    const read = gcloud.calls.find((c) => c[1] === 'logging')!;
    expect(read[3]).toBe('resource.type="cloud_run_job" AND resource.labels.job_name="taxasge-migrate" AND labels."run.googleapis.com/execution_name"="taxasge-migrate-x7k2p"');
  });

  it('is NO-GO on each recorded problem, naming it', async () => {
    const sql = JSON.parse(fixture('gcloud/sql-instance.json'));
    sql.settings.backupConfiguration.pointInTimeRecoveryEnabled = false;
    sql.settings.backupConfiguration.backupRetentionSettings.retainedBackups = 7;
    sql.settings.ipConfiguration.ipv4Enabled = true;
    const gcloud = recordedProd((args) => {
      if (args[3] === 'bange-api-key') return 'NOT_FOUND';
      if (args[3] === 'twilio-auth-token') return fixture('gcloud/secret-versions-disabled.json');
      if (args[2] === 'policies') return fixture('gcloud/monitoring-policies-unrouted.json');
      if (args[1] === 'dashboards') return JSON.stringify(JSON.parse(fixture('gcloud/monitoring-dashboards.json')).slice(1));
      if (args[1] === 'uptime') return '[]';
      if (args[1] === 'instances') return JSON.stringify(sql);
      if (args[1] === 'read') {
        const template = JSON.parse(fixture('gcloud/logging-migrate-status-entry.json'));
        return JSON.stringify(migrations.map((m, i) => ({ ...template, textPayload: `${String(m.version).padStart(4, '0')}  ${i === migrations.length - 1 ? 'pending ' : 'applied '} ${m.name}` })));
      }
      return undefined;
    });
    const checks = byCheck(await runChecks((await resolveTarget('prod', { baseUrl })), baseDeps(gcloud.run)));

    expect(checks['required secrets have a value']).toMatchObject({ status: 'NO-GO', detail: 'bange-api-key (missing), twilio-auth-token (no enabled version)' });
    expect(checks['dashboards present']).toMatchObject({ status: 'NO-GO', detail: 'missing: TaxasGE — API overview' });
    expect(checks['alert policies present, enabled, routed']).toMatchObject({
      status: 'NO-GO',
      detail: 'TaxasGE — BANGE silent disabled, TaxasGE — 5xx error rate above 5 % has no notification channel, TaxasGE — availability SLO fast burn missing',
    });
    expect(checks['uptime check on /health']).toMatchObject({ status: 'NO-GO', detail: 'no uptime check probes https://taxasge-prod.web.app/health' });
    expect(checks['database backups and recovery']).toMatchObject({ status: 'NO-GO', detail: 'point-in-time recovery disabled, only 7 backups retained (30 expected), public IP enabled' });
    expect(checks['migrations at head']).toMatchObject({ status: 'NO-GO', detail: `pending: ${label(migrations.at(-1)!)} (job taxasge-migrate status)` });
  });

  it('waits for the job logs to reach Cloud Logging', async () => {
    let reads = 0;
    const sleeps: number[] = [];
    const gcloud = recordedProd((args) => (args[1] === 'read' && ++reads < 3 ? '[]' : undefined));
    const checks = byCheck(await runChecks(await resolveTarget('prod', { baseUrl }), baseDeps(gcloud.run, { sleep: async (ms) => void sleeps.push(ms) })));
    expect(checks['migrations at head']!.status).toBe('GO');
    expect(sleeps).toEqual([5000, 5000]);
  });

  it('gives up when the job prints no status', async () => {
    const gcloud = recordedProd((args) => (args[1] === 'read' ? '[]' : undefined));
    const checks = byCheck(await runChecks(await resolveTarget('prod', { baseUrl }), baseDeps(gcloud.run)));
    expect(checks['migrations at head']).toMatchObject({ status: 'NO-GO', detail: 'execution taxasge-migrate-x7k2p printed no migration status in Cloud Logging after 3 reads' });
  });

  it('reports a failing gcloud with its error', async () => {
    const gcloud = recordedProd((args) => (args[0] === 'sql' ? 'NOT_FOUND' : undefined));
    const checks = byCheck(await runChecks(await resolveTarget('prod', { baseUrl }), baseDeps(gcloud.run)));
    expect(checks['database backups and recovery']!.detail).toMatch(/^gcloud sql instances describe taxasge-db --project=taxasge-prod --format=json failed \(exit 1\): .*NOT_FOUND/);
  });

  it.each([
    [[], '--env is required'],
    [['--env', 'qa'], '--env must be local, dev, staging or prod (got "qa")'],
    [['--env', 'prod', '--bogus'], 'unknown option --bogus'],
  ])('refuses %j', async (argv, message) => {
    const lines: string[] = [];
    expect(await main(argv, {}, baseDeps(noGcloud.run), (l) => lines.push(l))).toBe(2);
    expect(lines.join('\n')).toContain(message);
  });
});
