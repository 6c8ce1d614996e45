/** The go-live checks that read the repository only (workflows, Terraform settings, monitoring definitions, docs, topology): no deployment needed. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parse } from 'yaml';
import { labelled, loadTerraform } from './terraform-config';
import { ENVIRONMENTS, moduleAt, readCatalogue, readEnvironment } from './terraform-inventory';
import type { CheckOutcome } from './check-outcome';

/** What a repository check needs: the checkout it reads. */
export interface RepositoryDeps {
  repoRoot: string;
}

const outcome = (check: string, problems: string[], detail: string): CheckOutcome =>
  problems.length ? { check, status: 'NO-GO', detail: problems.join('; ') } : { check, status: 'GO', detail };

const read = (deps: RepositoryDeps, file: string) => readFileSync(path.join(deps.repoRoot, file), 'utf8');

interface Step {
  name?: string;
  run?: string;
  uses?: string;
}
interface Job {
  uses?: string;
  needs?: string | string[];
  environment?: { name?: string } | string;
  steps?: Step[];
}
interface Workflow {
  on?: Record<string, { branches?: string[] } | null>;
  jobs?: Record<string, Job>;
}

const workflow = (deps: RepositoryDeps, name: string) => parse(read(deps, `.github/workflows/${name}`)) as Workflow;
const runs = (w: Workflow) => Object.values(w.jobs ?? {}).flatMap((j) => (j.steps ?? []).map((s) => s.run ?? ''));

async function guarded(check: string, body: () => Promise<CheckOutcome> | CheckOutcome): Promise<CheckOutcome> {
  try {
    return await body();
  } catch (err) {
    return { check, status: 'NO-GO', detail: err instanceof Error ? err.message : String(err) };
  }
}

/** CI/CD: every push and pull request is linted, type-checked and tested with ≥ 85 % line coverage; dependencies audited. */
export function checkCiPipeline(deps: RepositoryDeps): Promise<CheckOutcome> {
  const name = 'CI: lint, types, tests with coverage ≥ 85 %, audit';
  return guarded(name, () => {
    const ci = workflow(deps, 'ci.yml');
    const lines = runs(ci);
    const has = (re: RegExp) => lines.some((l) => re.test(l));
    const jestConfig = createRequire(path.join(deps.repoRoot, 'package.json'))(path.join(deps.repoRoot, 'jest.config.js')) as {
      coverageThreshold?: { global?: { lines?: number } };
    };
    const threshold = jestConfig.coverageThreshold?.global?.lines ?? 0;
    const problems = [
      ci.on && 'push' in ci.on && 'pull_request' in ci.on ? '' : 'ci.yml does not run on push and pull_request',
      has(/npm run lint\b/) ? '' : 'ci.yml runs no npm run lint',
      has(/npm run typecheck\b/) ? '' : 'ci.yml runs no npm run typecheck',
      has(/jest --coverage\b/) ? '' : 'ci.yml runs no jest --coverage',
      threshold >= 85 ? '' : `jest.config.js coverage threshold is ${threshold} % of lines (85 expected)`,
      has(/npm audit\b.*--audit-level=(high|moderate|low)/) ? '' : 'ci.yml runs no npm audit --audit-level=high',
    ].filter(Boolean);
    return outcome(name, problems, `ci.yml on push and pull requests; coverage threshold ${threshold} % of lines; npm audit`);
  });
}

/** CI/CD: develop deploys staging, main deploys production behind its reviewers, after CI; a failed rollout rolls back. */
export function checkDeployPipeline(deps: RepositoryDeps): Promise<CheckOutcome> {
  const name = 'deploy: develop → staging, main → production approved, rollback';
  return guarded(name, () => {
    const text = read(deps, '.github/workflows/deploy.yml');
    const deploy = parse(text) as Workflow;
    const branches = deploy.on?.push?.branches ?? [];
    const jobs = Object.values(deploy.jobs ?? {});
    const steps = jobs.flatMap((j) => j.steps ?? []);
    const problems = [
      branches.includes('develop') && branches.includes('main')
        ? ''
        : `deploy.yml deploys on push of ${branches.join(', ') || 'nothing'} (develop and main expected)`,
      jobs.some((j) => j.uses === './.github/workflows/ci.yml') ? '' : 'deploy.yml does not run ci.yml first',
      /develop\b[^\n]*env=staging/.test(text) && /main\b[^\n]*github_environment=production/.test(text)
        ? ''
        : 'deploy.yml does not map develop to staging and main to the production environment',
      jobs.some((j) => j.environment !== undefined) ? '' : 'no deploy job runs in a GitHub environment (reviewers cannot approve)',
      steps.some((s) => /roll ?back/i.test(s.name ?? '') && /rollback/.test(s.run ?? '')) ? '' : 'deploy.yml has no rollback step',
    ].filter(Boolean);
    return outcome(name, problems, 'CI first; develop → staging, main → production environment; rollback on failure');
  });
}

/** Environments: three roots with their own project and state; prod's CORS lists only HTTPS front ends. */
export function checkEnvironments(deps: RepositoryDeps): Promise<CheckOutcome> {
  const name = 'environments: dev, staging, prod apart';
  return guarded(name, async () => {
    const root = path.join(deps.repoRoot, 'terraform');
    const modules = await loadTerraform(root);
    const envs = ENVIRONMENTS.map((e) => readEnvironment(modules, e, root));
    const prod = envs.find((e) => e.name === 'prod')!;
    const origins = Array.isArray(prod.stack.cors_origins) ? (prod.stack.cors_origins as string[]) : [];
    const problems = [
      new Set(envs.map((e) => e.projectId)).size === envs.length ? '' : 'two environments share a project',
      new Set(envs.map((e) => e.stateBucket)).size === envs.length ? '' : 'two environments share a state bucket',
      origins.length ? '' : 'prod sets no cors_origins',
      ...origins.filter((o) => !/^https:\/\//.test(o) || /localhost|127\.0\.0\.1/.test(o)).map((o) => `prod CORS origin ${o} is not a public HTTPS origin`),
      prod.stack.log_level === 'debug' ? 'prod logs at debug' : '',
    ].filter(Boolean);
    return outcome(name, problems, envs.map((e) => `${e.name} ${e.projectId}`).join(', ') + `; prod CORS ${origins.length} HTTPS origins`);
  });
}

/** Database, backup and recovery: prod's Terraform keeps what RTO < 4 h and RPO < 1 h rest on, and its connections fit. */
export function checkDatabaseConfig(deps: RepositoryDeps): Promise<CheckOutcome> {
  const name = 'database: HA, PITR, 30 backups, replica and backups in another region';
  return guarded(name, async () => {
    const root = path.join(deps.repoRoot, 'terraform');
    const modules = await loadTerraform(root);
    const sqlModule = moduleAt(modules, 'modules/cloud-sql', root);
    const resources = labelled(sqlModule, 'resource').filter((r) => r.type === 'google_sql_database_instance');
    const primary = resources.find((r) => r.label === 'this')?.body ?? {};
    const text = JSON.stringify(primary);
    const defaults = Object.fromEntries(labelled(sqlModule, 'variable').map((v) => [v.label, v.body.default]));
    const prod = readEnvironment(modules, 'prod', root);
    const s = prod.stack;
    const functions = [...readCatalogue(modules, root).httpFunctions, ...readCatalogue(modules, root).eventFunctions];
    const overrides = (s.max_instances ?? {}) as Record<string, number>;
    const needed = functions.reduce((sum, id) => sum + (overrides[id] ?? Number(s.default_max_instances)) * Number(s.db_pool_max), 0) + 1;
    const problems = [
      s.db_availability_type === 'REGIONAL' ? '' : `prod database is ${String(s.db_availability_type ?? 'ZONAL')} (REGIONAL expected)`,
      /"point_in_time_recovery_enabled":true/.test(text) ? '' : 'point-in-time recovery is not enabled in modules/cloud-sql',
      primary.deletion_protection === true ? '' : 'the instance has no deletion protection',
      Number(defaults.retained_backups) >= 30 ? '' : `modules/cloud-sql keeps ${String(defaults.retained_backups)} backups (30 expected)`,
      resources.some((r) => r.label === 'replica') ? '' : 'modules/cloud-sql has no replica',
      typeof s.db_replica_region === 'string' && s.db_replica_region && s.db_replica_region !== prod.region
        ? ''
        : `prod has no read replica outside ${prod.region}`,
      typeof s.db_backup_location === 'string' && s.db_backup_location && s.db_backup_location !== prod.region
        ? ''
        : `prod's backups are not stored outside ${prod.region}`,
      needed + 10 <= Number(s.db_max_connections)
        ? ''
        : `prod's functions could open ${needed} connections, over max_connections ${String(s.db_max_connections)} - 10`,
    ].filter(Boolean);
    const detail = `prod ${String(s.db_tier)} REGIONAL, PITR, ${String(defaults.retained_backups)} backups in ${String(s.db_backup_location)}, replica in ${String(s.db_replica_region)}, ${needed} of ${String(s.db_max_connections)} connections`;
    return outcome(name, problems, detail);
  });
}

/** The seed's twelve dashboards and seven critical alerts, by the file that defines each here. */
export const SEED_DASHBOARDS: Record<string, string> = {
  'API Overview': 'api-overview',
  'Auth Module': 'auth',
  'Declarations Module': 'declarations',
  'Payments Module': 'payments',
  'Webhooks Module': 'webhooks',
  'Agents Performance': 'agents',
  'Database Performance': 'database',
  'Cache Performance': 'cache',
  Notifications: 'notifications',
  'OCR Performance': 'documents',
  'System Resources': 'system',
  'Business Metrics': 'business',
};
export const SEED_ALERTS: Record<string, string> = {
  'API Down': 'api-down',
  'High Error Rate': 'error-rate-high',
  'Database Connection Lost': 'database-connection-lost',
  'Webhook Processing Failures': 'webhook-processing-failures',
  'High Latency': 'latency-p95-high',
  'High CPU Usage': 'cpu-high',
  'Disk Space Low': 'cloud-sql-disk-low',
};

/** GitHub's anchor of a Markdown heading. */
export const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

/** Monitoring and alerts: the twelve dashboards and seven critical alerts defined, every policy enabled with a runbook section that exists. */
export function checkMonitoringConfig(deps: RepositoryDeps): Promise<CheckOutcome> {
  const name = 'monitoring: 12 dashboards, 7 critical alerts, each with its runbook';
  return guarded(name, () => {
    const dashboards = readdirSync(path.join(deps.repoRoot, 'dashboards')).filter((f) => f.endsWith('.json'));
    const policies = readdirSync(path.join(deps.repoRoot, 'alerting')).filter((f) => f.endsWith('.json'));
    const runbookAnchors = new Set(
      read(deps, 'docs/RUNBOOK.md')
        .split('\n')
        .filter((l) => l.startsWith('## '))
        .map((l) => anchor(l.slice(3))),
    );
    const problems = [
      ...Object.entries(SEED_DASHBOARDS).flatMap(([seed, file]) =>
        dashboards.includes(`${file}.json`) ? [] : [`dashboard ${seed} (dashboards/${file}.json) missing`],
      ),
      ...Object.entries(SEED_ALERTS).flatMap(([seed, file]) => (policies.includes(`${file}.json`) ? [] : [`alert ${seed} (alerting/${file}.json) missing`])),
      ...policies.flatMap((f) => {
        const p = JSON.parse(read(deps, `alerting/${f}`)) as { enabled?: boolean; documentation?: { content?: string } };
        const link = /RUNBOOK\.md#([\w-]+)/.exec(p.documentation?.content ?? '')?.[1];
        if (p.enabled === false) return [`alerting/${f} is disabled`];
        if (!link) return [`alerting/${f} links no runbook section`];
        return runbookAnchors.has(link) ? [] : [`alerting/${f} links RUNBOOK.md#${link}, which does not exist`];
      }),
    ];
    return outcome(name, problems, `${dashboards.length} dashboards, ${policies.length} alert policies, each linking its runbook section`);
  });
}

/** Security: dependency audit, the secret scan and the security lint rules are wired. */
export function checkSecurityScans(deps: RepositoryDeps): Promise<CheckOutcome> {
  const name = 'security: audit, secret scan, security lint';
  return guarded(name, () => {
    const problems = [
      runs(workflow(deps, 'ci.yml')).some((l) => /npm audit\b.*--omit=dev/.test(l)) ? '' : 'CI audits no production dependencies (npm audit --omit=dev)',
      existsSync(path.join(deps.repoRoot, 'test/security/secret-scan.test.ts')) ? '' : 'no secret scan (test/security/secret-scan.test.ts)',
      /eslint-plugin-security/.test(read(deps, 'eslint.config.mjs')) ? '' : 'eslint.config.mjs does not use eslint-plugin-security',
    ].filter(Boolean);
    return outcome(name, problems, 'npm audit in CI, secretlint over the tree in npm test, eslint-plugin-security as errors');
  });
}

/** Documentation the seed asks for, and the runbook's recovery sections. */
export const REQUIRED_DOCS = [
  'README.md',
  'CHANGELOG.md',
  'docs/ARCHITECTURE.md',
  'docs/API.md',
  'docs/DEPLOYMENT.md',
  'docs/RUNBOOK.md',
  'docs/SECURITY.md',
  'docs/PRIVACY.md',
  'docs/PERFORMANCE.md',
  'docs/GO-LIVE.md',
];
export const RECOVERY_SECTIONS = ['database-restore', 'region-lost'];

export function checkDocs(deps: RepositoryDeps): Promise<CheckOutcome> {
  const name = 'documentation present, runbook covers recovery';
  return guarded(name, () => {
    const missing = REQUIRED_DOCS.filter((f) => !existsSync(path.join(deps.repoRoot, f)) || !read(deps, f).trim());
    const runbook = existsSync(path.join(deps.repoRoot, 'docs/RUNBOOK.md')) ? read(deps, 'docs/RUNBOOK.md') : '';
    const anchors = new Set(
      runbook
        .split('\n')
        .filter((l) => l.startsWith('## '))
        .map((l) => anchor(l.slice(3))),
    );
    const problems = [
      ...missing.map((f) => `${f} missing or empty`),
      ...RECOVERY_SECTIONS.filter((a) => !anchors.has(a)).map((a) => `docs/RUNBOOK.md has no section #${a}`),
    ];
    return outcome(name, problems, `${REQUIRED_DOCS.length} documents; runbook sections ${RECOVERY_SECTIONS.map((a) => `#${a}`).join(', ')}`);
  });
}

/** Compliance: the data-retention job is scheduled and the privacy document describes it. */
export function checkRetention(deps: RepositoryDeps): Promise<CheckOutcome> {
  const name = 'compliance: data-retention job scheduled and documented';
  return guarded(name, () => {
    const topology = JSON.parse(read(deps, 'shared/topology/topology.json')) as { jobs?: Record<string, { schedule?: string }> };
    const job = topology.jobs?.['data-retention'];
    const privacy = existsSync(path.join(deps.repoRoot, 'docs/PRIVACY.md')) ? read(deps, 'docs/PRIVACY.md') : '';
    const problems = [
      job ? '' : 'shared/topology/topology.json schedules no data-retention job',
      privacy.includes('data-retention') ? '' : 'docs/PRIVACY.md does not describe the data-retention job',
    ].filter(Boolean);
    return outcome(name, problems, `data-retention at "${job?.schedule ?? '?'}", described in docs/PRIVACY.md`);
  });
}
