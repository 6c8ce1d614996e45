import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { MIGRATIONS_DIR } from '../../shared/migrations';
import { loadMigrations } from '../../shared/migrations/migration-files';
import { createMigrator } from '../../shared/migrations/migrator';
import type { Cache } from '../../shared/ports/cache.port';
import { CHECKS, runChecks, type CheckDeps, type CheckOutcome } from '../../scripts/delivery/preflight-checks';
import { topology } from '../../shared/topology/topology';
import { main, resolveTarget } from '../../scripts/preflight';
import { createEmptyDatabase } from '../support/test-database';
import { createTestApp, type TestApp } from '../support/test-app';
import { fakeGcloud, fixture, FIXTURES, type FakeGcloud } from './fake-gcloud';

const ROOT = path.resolve(__dirname, '../..');
const baseDeps = (run: CheckDeps['run'], extra: Partial<CheckDeps> = {}): CheckDeps => ({
  run,
  fetch: (...args) => fetch(...args),
  migrationsDir: MIGRATIONS_DIR,
  dashboardsDir: path.join(FIXTURES, 'monitoring/dashboards'),
  alertingDir: path.join(FIXTURES, 'monitoring/alerting'),
  sleep: async () => undefined,
  logAttempts: 3,
  repoRoot: ROOT,
  // The morning after the recorded 02:00 backup (fixtures/gcloud/sql-backups.json).
  now: () => new Date('2026-09-02T09:00:00Z'),
  // The app answers from this test's own process, which a busy machine can hold up for seconds: a
  // verdict must not depend on it (the 10 s of a real run stay in DEFAULT_DEPS).
  httpTimeoutMs: 60_000,
  ...extra,
});
const REPOSITORY_CHECKS = CHECKS.filter((c) => c.kind === 'repository').map((c) => c.id);
const GCLOUD_CHECKS = CHECKS.filter((c) => c.kind === 'gcloud').map((c) => c.id);
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

    // The whole report on failure: which check said NO-GO, and why.
    expect({ code, out }).toEqual({ code: 0, out: expect.any(String) });
    expect(out).toMatch(/health: GET \/health\s+GO\s+version 1\.4\.0, environment test/);
    expect(out).toMatch(/readiness: GET \/health\/ready\s+GO\s+database up, cache up/);
    expect(out).toMatch(/catalog: GET \/api\/v1\/fiscal-services\s+GO\s+547 services listed/);
    expect(out).toContain(`GO      ${migrations.length} applied, head ${label(migrations.at(-1)!)} (schema_migrations)`);
    for (const check of [
      'required secrets have a value',
      'dashboards present',
      'alert policies present, enabled, routed',
      'uptime check on /health',
      'database backups and recovery',
    ]) {
      expect(out).toMatch(new RegExp(`${check.replace(/[()/]/g, '\\$&')}\\s+N/A\\s+not applicable locally`));
    }
    for (const id of GCLOUD_CHECKS) expect(out).toMatch(new RegExp(`\\s${id}\\s+.+\\s+N/A\\s+not applicable locally`));
    expect(out).toMatch(/privacy-notice\s+privacy notice in es, fr, en\s+GO/);
    expect(out).toMatch(/api-reference\s+API reference matches the code\s+GO\s+\d+ paths, version 1\.4\.0/);
    expect(out).toMatch(/https\s+HTTPS with HSTS\s+N\/A\s+http:\/\/127\.0\.0\.1:\d+ is plain HTTP \(local\)/);
    for (const id of REPOSITORY_CHECKS) expect(out).toMatch(new RegExp(`\\s${id}\\s+.+\\s+GO\\s`));
    expect(out).toContain(`GO: every automated check passed (${GCLOUD_CHECKS.length + 1} not applicable to local)`);
    expect(noGcloud.calls).toEqual([]);
  });

  it('is NO-GO when the database lags behind migrations/', async () => {
    const db = await createEmptyDatabase();
    try {
      await createMigrator({ connectionString: db.url, migrations: migrations.slice(0, 1) }).up();
      const checks = byCheck(await runChecks({ env: 'local', baseUrl, databaseUrl: db.url }, baseDeps(noGcloud.run)));
      expect(checks['migrations at head']).toEqual({
        id: 'migrations',
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
      expect(checks['migrations at head']!.detail).toBe(
        `changed after being applied: ${label(migrations[0]!)}; applied but absent from migrations/: 9999_from_another_branch (schema_migrations)`,
      );
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
    expect(lines.join('\n')).toContain(`NO-GO: 1 of ${CHECKS.length} checks failed (migrations at head)`);
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
    stats: () => Promise.reject(new Error('cache unreachable')),
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
    expect(checks['readiness: GET /health/ready']).toEqual({
      id: 'readiness',
      check: 'readiness: GET /health/ready',
      status: 'NO-GO',
      detail: '503: failing cache (database up, cache down, pubsub up)',
    });
  });
});

/** gcloud answering from recorded responses of a healthy production project. */
function recordedProd(overrides: (args: string[]) => string | undefined = () => undefined): FakeGcloud {
  const statusEntries = (which: typeof migrations) => {
    const template = JSON.parse(fixture('gcloud/logging-migrate-status-entry.json')) as { textPayload: string };
    return JSON.stringify(
      which.map((m) => ({ ...template, textPayload: `${String(m.version).padStart(4, '0')}  applied  ${m.name}  (2026-09-02T08:31:20.118Z)` })),
    );
  };
  return fakeGcloud((args) => {
    const overridden = overrides(args);
    if (overridden !== undefined) return overridden === 'NOT_FOUND' ? undefined : overridden;
    const cmd = args
      .filter((a) => !a.startsWith('--'))
      .slice(0, 4)
      .join(' ');
    if (cmd.startsWith('secrets versions list')) return fixture('gcloud/secret-versions.json').replaceAll('SECRET', args[3]!);
    if (cmd === 'monitoring dashboards list') return fixture('gcloud/monitoring-dashboards.json');
    if (cmd === 'alpha monitoring policies list') return fixture('gcloud/monitoring-policies.json');
    if (cmd === 'monitoring uptime list-configs') return fixture('gcloud/uptime-configs.json');
    if (cmd === 'sql instances describe taxasge-db') return fixture('gcloud/sql-instance.json');
    if (cmd === 'sql instances describe taxasge-db-replica') return fixture('gcloud/sql-replica.json');
    if (cmd === 'sql backups list') return fixture('gcloud/sql-backups.json');
    if (cmd === 'services list') return fixture('gcloud/services-enabled.json');
    if (cmd === 'scheduler jobs list')
      return JSON.stringify(Object.keys(topology.jobs).map((job) => JSON.parse(fixture('gcloud/scheduler-job.json').replace('JOB', job)) as unknown));
    if (cmd === 'iam service-accounts keys list') return '[]';
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
    expect(target.gcp).toMatchObject({
      project: 'taxasge-prod',
      region: 'europe-west1',
      sqlInstance: 'taxasge-db',
      migrationsJob: 'taxasge-migrate',
      host: 'taxasge-prod.web.app',
    });
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
    expect(
      gcloud.calls
        .filter((c) => c[1] === 'secrets')
        .map((c) => c[4])
        .sort(),
    ).toEqual([...gcp!.secrets].sort());
    expect(out).toMatch(/dashboards present\s+GO\s+2 of 2 dashboards/);
    expect(out).toMatch(/alert policies present, enabled, routed\s+GO\s+3 of 3 policies, each with a channel/);
    expect(out).toMatch(/uptime check on \/health\s+GO\s+taxasge-prod-health probes https:\/\/taxasge-prod\.web\.app\/health/);
    expect(out).toMatch(/database backups and recovery\s+GO\s+daily backups kept 30, PITR 7 days, deletion protection, private IP only/);
    expect(code).toBe(0);

    const execute = gcloud.calls.find((c) => c[2] === 'jobs');
    expect(execute).toEqual([
      'gcloud',
      'run',
      'jobs',
      'execute',
      'taxasge-migrate',
      '--project=taxasge-prod',
      '--region=europe-west1',
      '--args=index.js,status',
      '--wait',
      '--format=json',
    ]);
    const read = gcloud.calls.find((c) => c[1] === 'logging')!;
    expect(read[3]).toBe(
      'resource.type="cloud_run_job" AND resource.labels.job_name="taxasge-migrate" AND labels."run.googleapis.com/execution_name"="taxasge-migrate-x7k2p"',
    );
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
        return JSON.stringify(
          migrations.map((m, i) => ({
            ...template,
            textPayload: `${String(m.version).padStart(4, '0')}  ${i === migrations.length - 1 ? 'pending ' : 'applied '} ${m.name}`,
          })),
        );
      }
      return undefined;
    });
    const checks = byCheck(await runChecks(await resolveTarget('prod', { baseUrl }), baseDeps(gcloud.run)));

    expect(checks['required secrets have a value']).toMatchObject({
      status: 'NO-GO',
      detail: 'bange-api-key (missing), twilio-auth-token (no enabled version)',
    });
    expect(checks['dashboards present']).toMatchObject({ status: 'NO-GO', detail: 'missing: TaxasGE — API overview' });
    expect(checks['alert policies present, enabled, routed']).toMatchObject({
      status: 'NO-GO',
      detail: 'TaxasGE — BANGE silent disabled, TaxasGE — 5xx error rate above 5 % has no notification channel, TaxasGE — availability SLO fast burn missing',
    });
    expect(checks['uptime check on /health']).toMatchObject({ status: 'NO-GO', detail: 'no uptime check probes https://taxasge-prod.web.app/health' });
    expect(checks['database backups and recovery']).toMatchObject({
      status: 'NO-GO',
      detail: 'point-in-time recovery disabled, only 7 backups retained (30 expected), public IP enabled',
    });
    expect(checks['migrations at head']).toMatchObject({ status: 'NO-GO', detail: `pending: ${label(migrations.at(-1)!)} (job taxasge-migrate status)` });
  });

  it('is NO-GO on each recorded recovery, API, scheduler and key problem, naming it', async () => {
    const sql = JSON.parse(fixture('gcloud/sql-instance.json'));
    delete sql.settings.backupConfiguration.location;
    const backups = JSON.parse(fixture('gcloud/sql-backups.json')) as { location: string }[];
    const replica = { ...JSON.parse(fixture('gcloud/sql-replica.json')), state: 'SUSPENDED', masterInstanceName: 'taxasge-prod:other-db' };
    const services = (JSON.parse(fixture('gcloud/services-enabled.json')) as { config: { name: string } }[]).filter(
      (x) => x.config.name !== 'vision.googleapis.com',
    );
    const [first, second, ...rest] = Object.keys(topology.jobs);
    const jobs = [
      { ...JSON.parse(fixture('gcloud/scheduler-job.json').replace('JOB', first!)), state: 'PAUSED' },
      ...rest.map((j) => JSON.parse(fixture('gcloud/scheduler-job.json').replace('JOB', j)) as unknown),
    ];
    const gcloud = recordedProd((args) => {
      if (args[1] === 'instances' && args[3] === 'taxasge-db') return JSON.stringify(sql);
      if (args[1] === 'instances' && args[3] === 'taxasge-db-replica') return JSON.stringify(replica);
      if (args[1] === 'backups') return JSON.stringify(backups.map((b) => ({ ...b, location: 'eu' })));
      if (args[0] === 'services') return JSON.stringify(services);
      if (args[0] === 'scheduler') return JSON.stringify(jobs);
      if (args[0] === 'iam') return '[{"name":"projects/taxasge-prod/serviceAccounts/github-deployer@taxasge-prod.iam.gserviceaccount.com/keys/0a1b"}]';
      return undefined;
    });
    const later = baseDeps(gcloud.run, { now: () => new Date('2026-09-03T06:00:00Z') });
    const checks = Object.fromEntries((await runChecks(await resolveTarget('prod', { baseUrl }), later)).map((o) => [o.id, o]));

    expect(checks.backups).toMatchObject({ status: 'NO-GO', detail: 'backups stored in the default location, not europe-west4' });
    expect(checks['last-backup']).toMatchObject({
      status: 'NO-GO',
      detail: 'the newest successful backup ended 27.8 h ago (2026-09-02T02:14:51.337Z), stored in eu, not europe-west4',
    });
    expect(checks.replica).toMatchObject({
      status: 'NO-GO',
      detail: 'taxasge-db-replica: state SUSPENDED (RUNNABLE expected), replicates taxasge-prod:other-db, not taxasge-db',
    });
    expect(checks['google-apis']).toMatchObject({ status: 'NO-GO', detail: 'not enabled: vision.googleapis.com' });
    expect(checks['scheduler-jobs']).toMatchObject({ status: 'NO-GO', detail: `${first} PAUSED, ${second} missing` });
    expect(checks['deployer-keys']).toMatchObject({
      status: 'NO-GO',
      detail: '1 user-managed key(s) on github-deployer@taxasge-prod.iam.gserviceaccount.com: delete them',
    });
    expect(gcloud.calls.find((c) => c[2] === 'backups')).toEqual([
      'gcloud',
      'sql',
      'backups',
      'list',
      '--instance=taxasge-db',
      '--project=taxasge-prod',
      '--limit=10',
      '--format=json',
    ]);
  });

  it('is GO on the recorded recovery and API answers, and has no replica to check in staging', async () => {
    const prod = byCheck(
      await runChecks(await resolveTarget('prod', { baseUrl }), baseDeps(recordedProd().run), [
        'last-backup',
        'replica',
        'google-apis',
        'scheduler-jobs',
        'deployer-keys',
      ]),
    );
    expect(Object.values(prod).map((o) => [o.id, o.status, o.detail])).toEqual([
      ['last-backup', 'GO', 'ended 6.8 h ago (2026-09-02T02:14:51.337Z) in europe-west4'],
      ['replica', 'GO', 'taxasge-db-replica in europe-west4 follows taxasge-db'],
      ['google-apis', 'GO', 'vision.googleapis.com, sqladmin.googleapis.com, cloudscheduler.googleapis.com, secretmanager.googleapis.com'],
      ['scheduler-jobs', 'GO', `${Object.keys(topology.jobs).length} of ${Object.keys(topology.jobs).length} jobs enabled`],
      ['deployer-keys', 'GO', 'github-deployer@taxasge-prod.iam.gserviceaccount.com has no user-managed key'],
    ]);
    const staging = await runChecks(await resolveTarget('staging', { baseUrl }), baseDeps(recordedProd().run), ['replica']);
    expect(staging).toEqual([{ id: 'replica', check: 'cross-region replica running', status: 'N/A', detail: 'no replica in terraform/envs/staging' }]);
  });

  it('checks HTTPS by its HSTS header and the served API reference against the code', async () => {
    const answer = (headers: Record<string, string>, body: unknown = { status: 'ok', version: '2.0.0' }) =>
      (async () => new Response(JSON.stringify(body), { status: 200, headers })) as unknown as typeof fetch;
    const target = { env: 'prod', baseUrl: 'https://taxasge-prod.web.app' };
    const run = async (fetchImpl: typeof fetch, id: string) => (await runChecks(target, baseDeps(noGcloud.run, { fetch: fetchImpl }), [id]))[0]!;
    expect(await run(answer({ 'strict-transport-security': 'max-age=31536000; includeSubDomains' }), 'https')).toMatchObject({ status: 'GO' });
    expect(await run(answer({}), 'https')).toMatchObject({ status: 'NO-GO', detail: 'no Strict-Transport-Security header on /health' });
    expect(await run(answer({ 'strict-transport-security': 'max-age=600' }), 'https')).toMatchObject({
      status: 'NO-GO',
      detail: 'HSTS max-age 600 s is under 180 days',
    });
    const stale = answer({}, { status: 'ok', version: '2.0.0', info: { version: '1.9.0' }, paths: { '/health': {}, '/api/v1/legacy': {} } });
    const reference = await run(stale, 'api-reference');
    expect(reference.status).toBe('NO-GO');
    expect(reference.detail).toMatch(
      /^not in the served reference: \/api\/v1\/auth\/register, .*; served but not in this checkout: \/api\/v1\/legacy; reference of version 1\.9\.0, API running 2\.0\.0$/,
    );
  });

  it('refuses an unknown check id in --only', async () => {
    const lines: string[] = [];
    expect(await main(['--env', 'prod', '--only', 'health,bakups'], {}, baseDeps(noGcloud.run), (l) => lines.push(l))).toBe(2);
    expect(lines.join('\n')).toContain('--only: no check "bakups"');
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
    expect(checks['migrations at head']).toMatchObject({
      status: 'NO-GO',
      detail: 'execution taxasge-migrate-x7k2p printed no migration status in Cloud Logging after 3 reads',
    });
  });

  it('reports a failing gcloud with its error', async () => {
    const gcloud = recordedProd((args) => (args[0] === 'sql' ? 'NOT_FOUND' : undefined));
    const checks = byCheck(await runChecks(await resolveTarget('prod', { baseUrl }), baseDeps(gcloud.run)));
    expect(checks['database backups and recovery']!.detail).toMatch(
      /^gcloud sql instances describe taxasge-db --project=taxasge-prod --format=json failed \(exit 1\): .*NOT_FOUND/,
    );
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

describe('preflight repository checks', () => {
  /** A copy of what the repository checks read, which a test then breaks. */
  function copyOfRepository(): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'preflight-repo-'));
    for (const p of [
      '.github/workflows',
      'jest.config.js',
      'package.json',
      'terraform',
      'dashboards',
      'alerting',
      'docs',
      'README.md',
      'CHANGELOG.md',
      'eslint.config.mjs',
      'test/security/secret-scan.test.ts',
      'shared/topology/topology.json',
    ]) {
      cpSync(path.join(ROOT, p), path.join(dir, p), { recursive: true, filter: (src) => !src.includes(`${path.sep}.terraform`) });
    }
    return dir;
  }
  const edit = (dir: string, file: string, from: string | RegExp, to: string) => {
    const text = readFileSync(path.join(dir, file), 'utf8');
    const changed = text.replace(from, to);
    if (changed === text) throw new Error(`${file}: nothing to replace`);
    writeFileSync(path.join(dir, file), changed);
  };
  const repositoryOutcomes = async (repoRoot: string): Promise<Record<string, CheckOutcome>> =>
    Object.fromEntries(
      (await runChecks({ env: 'local', baseUrl: 'http://127.0.0.1:9' }, baseDeps(noGcloud.run, { repoRoot }), REPOSITORY_CHECKS)).map((o) => [o.id, o]),
    );

  it('are GO on this checkout', async () => {
    const outcomes = await repositoryOutcomes(ROOT);
    expect(Object.values(outcomes).filter((o) => o.status !== 'GO')).toEqual([]);
    expect(Object.keys(outcomes)).toEqual(REPOSITORY_CHECKS);
  });

  it('are NO-GO on a checkout that lost what the go-live rests on, naming it', async () => {
    const dir = copyOfRepository();
    try {
      edit(dir, '.github/workflows/ci.yml', /\n\s+- run: npm run typecheck/, '');
      edit(dir, 'jest.config.js', 'lines: 85', 'lines: 80');
      edit(dir, '.github/workflows/deploy.yml', 'Roll back on failure', 'Tidy up');
      edit(dir, 'terraform/envs/prod/main.tf', '"https://taxasge-prod.web.app"]', '"https://taxasge-prod.web.app", "http://localhost:3000"]');
      edit(dir, 'terraform/envs/prod/main.tf', /\n\s+db_replica_region\s+= local.recovery_region/, '');
      edit(dir, 'terraform/envs/prod/main.tf', 'db_availability_type  = "REGIONAL"', 'db_availability_type  = "ZONAL"');
      rmSync(path.join(dir, 'dashboards/documents.json'));
      edit(dir, 'alerting/api-down.json', 'RUNBOOK.md#api-down', 'RUNBOOK.md#api-gone');
      edit(dir, 'docs/RUNBOOK.md', '## Region lost', '## Region gone');
      edit(dir, 'eslint.config.mjs', /eslint-plugin-security/g, 'eslint-plugin-other');
      edit(dir, 'shared/topology/topology.json', '"data-retention"', '"data-kept"');

      const o = await repositoryOutcomes(dir);
      expect(o['ci-pipeline']).toMatchObject({
        status: 'NO-GO',
        detail: 'ci.yml runs no npm run typecheck; jest.config.js coverage threshold is 80 % of lines (85 expected)',
      });
      expect(o['deploy-pipeline']).toMatchObject({ status: 'NO-GO', detail: 'deploy.yml has no rollback step' });
      expect(o.environments).toMatchObject({ status: 'NO-GO', detail: 'prod CORS origin http://localhost:3000 is not a public HTTPS origin' });
      expect(o['database-config']).toMatchObject({
        status: 'NO-GO',
        detail: 'prod database is ZONAL (REGIONAL expected); prod has no read replica outside europe-west1',
      });
      expect(o['monitoring-config']).toMatchObject({
        status: 'NO-GO',
        detail: 'dashboard OCR Performance (dashboards/documents.json) missing; alerting/api-down.json links RUNBOOK.md#api-gone, which does not exist',
      });
      expect(o.docs).toMatchObject({ status: 'NO-GO', detail: 'docs/RUNBOOK.md has no section #region-lost' });
      expect(o['security-scans']).toMatchObject({ status: 'NO-GO', detail: 'eslint.config.mjs does not use eslint-plugin-security' });
      expect(o.retention).toMatchObject({ status: 'NO-GO', detail: 'shared/topology/topology.json schedules no data-retention job' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
