/**
 * `npm run rollback -- --env prod [--dry-run] [--only a,b] [--concurrency N]`: moves the traffic of every
 * function's Cloud Run service back to its previous revision, all services in parallel.
 */
import { CommandError, formatTable, gcloudJson, mapLimit, parseFlags, runCommand, shellLine, type RunCommand } from './delivery/gcloud';
import { isEnvironmentName, loadInventory } from './delivery/terraform-inventory';

/** The fields of `gcloud run revisions list --format=json` (Cloud Run Admin API v1 Revision) used here. */
export interface Revision {
  metadata: { name: string; creationTimestamp: string; labels?: Record<string, string> };
  status?: { conditions?: { type: string; status: string }[] };
}

/** The fields of `gcloud run services describe --format=json` (v1 Service) used here. */
export interface Service {
  metadata: { name: string };
  status?: {
    latestReadyRevisionName?: string;
    traffic?: { revisionName?: string; percent?: number; tag?: string; latestRevision?: boolean }[];
  };
}

/** The tag the deploy workflow puts on the revision it replaced when it moves traffic. */
export const PREVIOUS_TAG = 'previous';

export type RollbackPlan =
  | { service: string; action: 'rollback'; from: string; to: string; rule: string; command: string[] }
  | { service: string; action: 'skip'; from?: string; reason: string };

const isReady = (r: Revision) => r.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const created = (r: Revision) => Date.parse(r.metadata.creationTimestamp);

/**
 * Which revision serves now, and which one to go back to: the revision the last promotion tagged
 * `previous` when it is ready and not the one serving; otherwise the newest ready revision created
 * before the serving one (revisions that never served, such as a candidate refused by the smoke
 * tests, are newer than the serving one and so never chosen).
 */
export function planRollback(service: Service, revisions: Revision[], target: { project: string; region: string }): RollbackPlan {
  const name = service.metadata.name;
  const byName = new Map(revisions.map((r) => [r.metadata.name, r]));
  const createdOf = (revision: string) => {
    const r = byName.get(revision);
    return r ? created(r) : 0;
  };
  const serving = (service.status?.traffic ?? [])
    .filter((t) => (t.percent ?? 0) > 0)
    .map((t) => ({ name: t.revisionName ?? (t.latestRevision ? service.status?.latestReadyRevisionName : undefined), percent: t.percent ?? 0 }))
    .filter((t): t is { name: string; percent: number } => Boolean(t.name))
    .sort((a, b) => b.percent - a.percent || createdOf(b.name) - createdOf(a.name));
  const current = serving[0] ? byName.get(serving[0].name) : undefined;
  if (!current) return { service: name, action: 'skip', reason: 'no revision receives traffic' };

  const tagged = service.status?.traffic?.find((t) => t.tag === PREVIOUS_TAG && t.revisionName)?.revisionName;
  const taggedRevision = tagged ? byName.get(tagged) : undefined;
  let to: Revision | undefined;
  let rule: string;
  if (taggedRevision && isReady(taggedRevision) && tagged !== current.metadata.name) {
    to = taggedRevision;
    rule = `tagged "${PREVIOUS_TAG}" by the last promotion`;
  } else {
    to = revisions.filter((r) => isReady(r) && created(r) < created(current)).sort((a, b) => created(b) - created(a))[0];
    rule = 'newest ready revision older than the serving one';
  }
  if (!to) return { service: name, action: 'skip', from: current.metadata.name, reason: 'no earlier ready revision to go back to' };
  return {
    service: name,
    action: 'rollback',
    from: current.metadata.name,
    to: to.metadata.name,
    rule,
    command: [
      'gcloud',
      'run',
      'services',
      'update-traffic',
      name,
      `--project=${target.project}`,
      `--region=${target.region}`,
      `--to-revisions=${to.metadata.name}=100`,
      '--quiet',
    ],
  };
}

export interface RollbackOptions {
  project: string;
  region: string;
  services: string[];
  dryRun: boolean;
  concurrency: number;
  run: RunCommand;
  log: (line: string) => void;
}

export interface RollbackOutcome {
  service: string;
  from: string;
  to: string;
  result: string;
  ok: boolean;
}

async function rollbackOne(service: string, o: RollbackOptions): Promise<RollbackOutcome> {
  const where = [`--project=${o.project}`, `--region=${o.region}`];
  try {
    const [described, revisions] = await Promise.all([
      gcloudJson<Service>(o.run, ['run', 'services', 'describe', service, ...where]),
      gcloudJson<Revision[]>(o.run, ['run', 'revisions', 'list', `--service=${service}`, ...where]),
    ]);
    const plan = planRollback(described, revisions, o);
    if (plan.action === 'skip') return { service, from: plan.from ?? '-', to: '-', result: `skipped: ${plan.reason}`, ok: true };
    o.log(`${o.dryRun ? 'would run' : 'running'}: ${shellLine(plan.command)}`);
    if (o.dryRun) return { service, from: plan.from, to: plan.to, result: `dry run (${plan.rule})`, ok: true };
    const [command, ...args] = plan.command as [string, ...string[]];
    const done = await o.run(command, args);
    if (done.code !== 0) throw new CommandError(plan.command, done);
    return { service, from: plan.from, to: plan.to, result: `done (${plan.rule})`, ok: true };
  } catch (err) {
    return { service, from: '-', to: '-', result: `failed: ${err instanceof Error ? err.message : String(err)}`, ok: false };
  }
}

/** Plans and applies the rollback of every service in parallel; returns one outcome per service. */
export async function rollbackServices(o: RollbackOptions): Promise<RollbackOutcome[]> {
  const started = Date.now();
  const outcomes = await mapLimit(o.services, o.concurrency, (s) => rollbackOne(s, o));
  o.log('');
  o.log(
    formatTable(
      ['service', 'from', 'to', 'result'],
      outcomes.map((r) => [r.service, r.from, r.to, r.result]),
    ),
  );
  o.log(
    `\n${o.dryRun ? 'planned' : 'rolled back'} ${outcomes.filter((r) => r.to !== '-').length} of ${outcomes.length} services in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return outcomes;
}

const USAGE = 'usage: npm run rollback -- --env dev|staging|prod [--dry-run] [--only fn1,fn2] [--concurrency 8]';

export async function main(argv: string[], run: RunCommand = runCommand, log: (line: string) => void = console.log): Promise<number> {
  const { values, switches, errors } = parseFlags(argv, { values: ['env', 'only', 'concurrency'], switches: ['dry-run', 'help'] });
  if (switches.has('help')) {
    log(USAGE);
    return 0;
  }
  const env = values.env ?? '';
  const concurrency = Number(values.concurrency ?? 8);
  if (!isEnvironmentName(env)) errors.push(`--env must be dev, staging or prod (got "${env}")`);
  if (!Number.isInteger(concurrency) || concurrency < 1) errors.push('--concurrency must be a whole number ≥ 1');
  if (errors.length) {
    log([...errors, USAGE].join('\n'));
    return 2;
  }
  const { catalogue, environments } = await loadInventory();
  const settings = environments[env as keyof typeof environments];
  const all = [...catalogue.httpFunctions, ...catalogue.eventFunctions];
  const only = values.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = only?.filter((s) => !all.includes(s)) ?? [];
  if (unknown.length) {
    log(`--only names no function of the Terraform code: ${unknown.join(', ')}\n${USAGE}`);
    return 2;
  }
  log(`${switches.has('dry-run') ? 'Dry run: ' : ''}rolling back ${env} (${settings.projectId}, ${settings.region})`);
  const outcomes = await rollbackServices({
    project: settings.projectId,
    region: settings.region,
    services: only ?? all,
    dryRun: switches.has('dry-run'),
    concurrency,
    run,
    log,
  });
  return outcomes.every((o) => o.ok) ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}
