/**
 * `npm run preflight -- --env local|dev|staging|prod [--base-url URL] [--database-url URL] [--only id,id]`: runs every
 * automatable go-live check of docs/GO-LIVE.md against a deployment and the repository, and prints a go/no-go table.
 */
import path from 'node:path';
import { formatTable, parseFlags, runCommand } from './delivery/gcloud';
import { CHECKS, runChecks, type CheckDeps, type CheckOutcome, type Target } from './delivery/preflight-checks';
import { isEnvironmentName, loadInventory, RESOURCE_NAMES } from './delivery/terraform-inventory';

const ROOT = path.resolve(__dirname, '..');
const USAGE = 'usage: npm run preflight -- --env local|dev|staging|prod [--base-url URL] [--database-url URL] [--only id,id]';

export const DEFAULT_DEPS: CheckDeps = {
  run: runCommand,
  fetch: (...args) => fetch(...args),
  migrationsDir: path.join(ROOT, 'migrations'),
  dashboardsDir: path.join(ROOT, 'dashboards'),
  alertingDir: path.join(ROOT, 'alerting'),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  logAttempts: 6,
  repoRoot: ROOT,
  now: () => new Date(),
  httpTimeoutMs: 10_000,
};

/** Where to look: `local` is `npm start` on this machine, the others come from the Terraform code. */
export async function resolveTarget(env: string, options: { baseUrl?: string; databaseUrl?: string }): Promise<Target> {
  if (env === 'local')
    return { env, baseUrl: options.baseUrl ?? 'http://localhost:8080', ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}) };
  if (!isEnvironmentName(env)) throw new Error(`--env must be local, dev, staging or prod (got "${env}")`);
  const { catalogue, environments } = await loadInventory();
  const settings = environments[env];
  const host =
    typeof settings.stack.custom_domain === 'string' && settings.stack.custom_domain ? settings.stack.custom_domain : `${settings.hostingSite}.web.app`;
  const { db_replica_region: replicaRegion, db_backup_location: backupLocation } = settings.stack;
  return {
    env,
    baseUrl: options.baseUrl ?? `https://${host}`,
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    gcp: {
      project: settings.projectId,
      region: settings.region,
      sqlInstance: typeof settings.stack.db_instance_name === 'string' ? settings.stack.db_instance_name : RESOURCE_NAMES.sqlInstance,
      migrationsJob: RESOURCE_NAMES.migrationsJob,
      host,
      secrets: catalogue.secrets,
      jobs: Object.keys(catalogue.scheduledJobs),
      deployer: `${RESOURCE_NAMES.deployer}@${settings.projectId}.iam.gserviceaccount.com`,
      ...(typeof replicaRegion === 'string' && replicaRegion ? { replica: { instance: RESOURCE_NAMES.sqlReplica, region: replicaRegion } } : {}),
      ...(typeof backupLocation === 'string' && backupLocation ? { backupLocation } : {}),
    },
  };
}

export function report(target: Target, outcomes: CheckOutcome[]): { text: string; go: boolean } {
  const failed = outcomes.filter((o) => o.status === 'NO-GO');
  const skipped = outcomes.filter((o) => o.status === 'N/A').length;
  const rows = outcomes.map((o, i) => [String(i + 1), o.id ?? '', o.check, o.status, o.detail]);
  const verdict = failed.length
    ? `NO-GO: ${failed.length} of ${outcomes.length} checks failed (${failed.map((f) => f.check).join('; ')})`
    : `GO: every automated check passed${skipped ? ` (${skipped} not applicable to ${target.env})` : ''}; the manual items of docs/GO-LIVE.md remain`;
  const text = [
    `Preflight of ${target.env} at ${target.baseUrl}${target.gcp ? ` (project ${target.gcp.project})` : ''}`,
    '',
    formatTable(['#', 'id', 'check', 'status', 'detail'], rows),
    '',
    verdict,
  ].join('\n');
  return { text, go: failed.length === 0 };
}

export async function main(
  argv: string[],
  env: Record<string, string | undefined>,
  deps: CheckDeps = DEFAULT_DEPS,
  log: (line: string) => void = console.log,
): Promise<number> {
  const { values, switches, errors } = parseFlags(argv, { values: ['env', 'base-url', 'database-url', 'only'], switches: ['help'] });
  if (switches.has('help')) {
    log(USAGE);
    return 0;
  }
  if (!values.env) errors.push('--env is required');
  const only = values.only?.split(',').map((id) => id.trim()) ?? [];
  for (const id of only) if (!CHECKS.some((c) => c.id === id)) errors.push(`--only: no check "${id}" (${CHECKS.map((c) => c.id).join(', ')})`);
  if (errors.length) {
    log([...errors, USAGE].join('\n'));
    return 2;
  }
  let target: Target;
  try {
    const databaseUrl = values['database-url'] ?? env.DATABASE_URL;
    target = await resolveTarget(values.env!, {
      ...(values['base-url'] ? { baseUrl: values['base-url'].replace(/\/$/, '') } : {}),
      ...(databaseUrl ? { databaseUrl } : {}),
    });
  } catch (err) {
    log(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  const { text, go } = report(target, await runChecks(target, deps, only));
  log(text);
  return go ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}
