/**
 * The rollout steps of .github/workflows/deploy.yml, one subcommand each:
 *   upload-targets  the terraform -target list that uploads sources and the migrations image only
 *   candidates      tag each function's new (no-traffic) revision `candidate`, record what serves now
 *   smoke           /health, /health/ready, a catalog query and every public candidate on its tagged URL
 *   promote         move traffic to the candidates, tagging the replaced revision `previous`
 *   watch           follow the 5xx rate of the promoted services in Cloud Monitoring for a few minutes
 *   info            project, region, hosting site and image path of an environment, as KEY=value lines
 * Usage: tsx scripts/delivery/release.ts <command> --env <env> [--state file] [--version v] [--minutes n]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { CommandError, formatTable, gcloudJson, mapLimit, parseFlags, runCommand, type RunCommand } from './gcloud';
import { isEnvironmentName, loadInventory, RESOURCE_NAMES, type Catalogue, type EnvironmentSettings } from './terraform-inventory';

interface ServiceJson {
  status?: {
    url?: string;
    latestCreatedRevisionName?: string;
    latestReadyRevisionName?: string;
    traffic?: { revisionName?: string; percent?: number; latestRevision?: boolean }[];
  };
}

export interface Candidate {
  service: string;
  public: boolean;
  candidate: string;
  serving: string;
  /** https://candidate---<service host> */
  url: string;
  /** Set by promote once traffic moved: the services an automatic rollback must move back. */
  promoted?: boolean;
}

export interface ReleaseDeps {
  run: RunCommand;
  fetch: typeof fetch;
  log: (line: string) => void;
  sleep: (ms: number) => Promise<void>;
  now: () => Date;
}

export const CANDIDATE_TAG = 'candidate';

export function taggedUrl(serviceUrl: string, tag: string): string {
  return serviceUrl.replace(/^https:\/\//, `https://${tag}---`);
}

export function uploadTargets(catalogue: Catalogue): string[] {
  return [
    ...catalogue.httpFunctions.map((id) => `-target=module.stack.module.http_function["${id}"].google_storage_bucket_object.source`),
    ...catalogue.eventFunctions.map((id) => `-target=module.stack.module.event_function["${id}"].module.function.google_storage_bucket_object.source`),
    '-target=module.stack.module.migrations_job',
  ];
}

export async function tagCandidates(env: EnvironmentSettings, catalogue: Catalogue, deps: ReleaseDeps): Promise<Candidate[]> {
  const where = [`--project=${env.projectId}`, `--region=${env.region}`];
  const services = [...catalogue.httpFunctions, ...catalogue.eventFunctions];
  const candidates = await mapLimit(services, 8, async (service) => {
    const s = await gcloudJson<ServiceJson>(deps.run, ['run', 'services', 'describe', service, ...where]);
    const created = s.status?.latestCreatedRevisionName;
    const ready = s.status?.latestReadyRevisionName;
    if (!created || !ready || !s.status?.url) throw new Error(`${service}: Cloud Run reports no ready revision`);
    if (created !== ready) throw new Error(`${service}: the new revision ${created} is not ready (latest ready: ${ready}); see its logs before retrying`);
    const top = [...(s.status.traffic ?? [])].filter((t) => (t.percent ?? 0) > 0).sort((a, b) => (b.percent ?? 0) - (a.percent ?? 0))[0];
    // Traffic on "latest" (a function's first deploy) serves the newest ready revision.
    const serving = top?.revisionName ?? ready;
    const tag = ['run', 'services', 'update-traffic', service, ...where, `--update-tags=${CANDIDATE_TAG}=${ready}`, '--quiet'];
    const done = await deps.run('gcloud', tag);
    if (done.code !== 0) throw new CommandError(['gcloud', ...tag], done);
    return { service, public: catalogue.publicHttpFunctions.includes(service), candidate: ready, serving, url: taggedUrl(s.status.url, CANDIDATE_TAG) };
  });
  deps.log(
    formatTable(
      ['service', 'serving', 'candidate', 'change'],
      candidates.map((c) => [c.service, c.serving, c.candidate, c.candidate === c.serving ? 'unchanged' : 'new revision']),
    ),
  );
  return candidates;
}

interface Probe {
  name: string;
  url: string;
  accept: (status: number, body: unknown) => string | undefined;
}

export function smokeProbes(candidates: Candidate[], version: string | undefined): Probe[] {
  const byName = new Map(candidates.map((c) => [c.service, c]));
  const probes: Probe[] = [];
  const health = byName.get('health');
  if (health) {
    probes.push({
      name: 'health /health',
      url: `${health.url}/health`,
      accept: (status, body) => {
        const b = body as { status?: string; version?: string };
        if (status !== 200 || b.status !== 'ok') return `expected 200 {"status":"ok"}, got ${status}`;
        return version && b.version !== version ? `serves version ${b.version}, expected ${version}` : undefined;
      },
    });
    probes.push({
      name: 'health /health/ready',
      url: `${health.url}/health/ready`,
      accept: (status, body) =>
        status === 200 && (body as { ready?: boolean }).ready === true ? undefined : `not ready (${status}): ${JSON.stringify(body).slice(0, 160)}`,
    });
  }
  const catalog = byName.get('fiscal-services');
  if (catalog) {
    probes.push({
      name: 'fiscal-services catalog query',
      url: `${catalog.url}/api/v1/fiscal-services?q=pasaporte&limit=5`,
      accept: (status, body) => (status === 200 && Array.isArray((body as { items?: unknown }).items) ? undefined : `expected 200 with items, got ${status}`),
    });
  }
  // Every other public candidate must start and answer its router (a 404 problem is an answer; a 5xx is not).
  for (const c of candidates.filter((x) => x.public && x.service !== 'health' && x.service !== 'fiscal-services')) {
    probes.push({ name: `${c.service} answers`, url: `${c.url}/__smoke__`, accept: (status) => (status < 500 ? undefined : `answered ${status}`) });
  }
  return probes;
}

export async function smoke(candidates: Candidate[], version: string | undefined, deps: ReleaseDeps): Promise<boolean> {
  const results = await mapLimit(smokeProbes(candidates, version), 8, async (p) => {
    try {
      const res = await deps.fetch(p.url, { signal: AbortSignal.timeout(15_000), headers: { accept: 'application/json' } });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text
      }
      return { probe: p, problem: p.accept(res.status, body), status: String(res.status) };
    } catch (err) {
      return { probe: p, problem: `no answer: ${err instanceof Error ? err.message : String(err)}`, status: '-' };
    }
  });
  deps.log(
    formatTable(
      ['smoke test', 'status', 'result', 'url'],
      results.map((r) => [r.probe.name, r.status, r.problem ?? 'ok', r.probe.url]),
    ),
  );
  const skipped = candidates.filter((c) => !c.public).map((c) => c.service);
  if (skipped.length) deps.log(`not probed (private: invoked only by Pub/Sub or Cloud Scheduler): ${skipped.join(', ')}`);
  return results.length > 0 && results.every((r) => !r.problem);
}

/** Moves traffic service by service; marks each one promoted, and fails after trying them all if one failed. */
export async function promote(env: EnvironmentSettings, candidates: Candidate[], deps: ReleaseDeps): Promise<Candidate[]> {
  const failures: string[] = [];
  const result = await mapLimit(candidates, 8, async (c) => {
    if (c.candidate === c.serving) return c;
    const args = [
      'run',
      'services',
      'update-traffic',
      c.service,
      `--project=${env.projectId}`,
      `--region=${env.region}`,
      `--to-revisions=${c.candidate}=100`,
      `--update-tags=previous=${c.serving}`,
      '--quiet',
    ];
    deps.log(`gcloud ${args.join(' ')}`);
    const done = await deps.run('gcloud', args);
    if (done.code === 0) return { ...c, promoted: true };
    failures.push(new CommandError(['gcloud', ...args], done).message);
    return c;
  });
  deps.log(`traffic moved on ${result.filter((c) => c.promoted).length} service(s); ${result.filter((c) => c.candidate === c.serving).length} unchanged`);
  if (failures.length) throw new PromoteError(result, failures);
  return result;
}

export class PromoteError extends Error {
  constructor(
    readonly candidates: Candidate[],
    failures: string[],
  ) {
    super(failures.join('\n'));
    this.name = 'PromoteError';
  }
}

interface TimeSeriesList {
  timeSeries?: { metric?: { labels?: Record<string, string> }; points?: { value?: { int64Value?: string; doubleValue?: number } }[] }[];
}

/** Requests and 5xx of the services since `since`, from Cloud Run's request_count in Cloud Monitoring. */
export async function errorRate(env: EnvironmentSettings, services: string[], since: Date, deps: ReleaseDeps): Promise<{ total: number; errors: number }> {
  const token = await deps.run('gcloud', ['auth', 'print-access-token']);
  if (token.code !== 0) throw new CommandError(['gcloud', 'auth', 'print-access-token'], token);
  const params = new URLSearchParams({
    filter: `metric.type="run.googleapis.com/request_count" AND resource.type="cloud_run_revision" AND resource.labels.service_name=one_of(${services.map((s) => `"${s}"`).join(',')})`,
    'interval.startTime': since.toISOString(),
    'interval.endTime': deps.now().toISOString(),
    'aggregation.alignmentPeriod': '60s',
    'aggregation.perSeriesAligner': 'ALIGN_DELTA',
    'aggregation.crossSeriesReducer': 'REDUCE_SUM',
    'aggregation.groupByFields': 'metric.labels.response_code_class',
  });
  const res = await deps.fetch(`https://monitoring.googleapis.com/v3/projects/${env.projectId}/timeSeries?${params}`, {
    headers: { authorization: `Bearer ${token.stdout.trim()}` },
  });
  if (!res.ok) throw new Error(`Cloud Monitoring answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  const list = (await res.json()) as TimeSeriesList;
  let total = 0;
  let errors = 0;
  for (const series of list.timeSeries ?? []) {
    const count = (series.points ?? []).reduce((sum, p) => sum + Number(p.value?.int64Value ?? p.value?.doubleValue ?? 0), 0);
    total += count;
    if (series.metric?.labels?.response_code_class === '5xx') errors += count;
  }
  return { total, errors };
}

export async function watch(
  env: EnvironmentSettings,
  services: string[],
  o: { minutes: number; maxErrorRate: number; minRequests: number },
  deps: ReleaseDeps,
): Promise<boolean> {
  const since = deps.now();
  for (let minute = 1; minute <= o.minutes; minute++) {
    await deps.sleep(60_000);
    const { total, errors } = await errorRate(env, services, since, deps);
    const rate = total ? errors / total : 0;
    deps.log(`minute ${minute}/${o.minutes}: ${errors} 5xx of ${total} requests (${(rate * 100).toFixed(2)} %)`);
    if (total >= o.minRequests && rate > o.maxErrorRate) {
      deps.log(`error rate ${(rate * 100).toFixed(2)} % is above ${(o.maxErrorRate * 100).toFixed(2)} %: roll back`);
      return false;
    }
  }
  deps.log(`error rate stayed within ${(o.maxErrorRate * 100).toFixed(2)} % for ${o.minutes} minutes`);
  return true;
}

const USAGE =
  'usage: tsx scripts/delivery/release.ts upload-targets|info|candidates|smoke|promote|watch --env dev|staging|prod [--state file] [--version v] [--minutes 5]';

export async function main(argv: string[], deps: ReleaseDeps): Promise<number> {
  const [command, ...rest] = argv;
  const { values, errors } = parseFlags(rest, { values: ['env', 'state', 'version', 'minutes', 'max-error-rate'], switches: [] });
  const env = values.env ?? '';
  if (!['upload-targets', 'info', 'candidates', 'smoke', 'promote', 'watch'].includes(command ?? '')) errors.push(`unknown command "${command ?? ''}"`);
  if (!isEnvironmentName(env)) errors.push(`--env must be dev, staging or prod (got "${env}")`);
  if (!['upload-targets', 'info'].includes(command ?? '') && !values.state) errors.push('--state is required');
  if (errors.length) {
    deps.log([...errors, USAGE].join('\n'));
    return 2;
  }
  const { catalogue, environments } = await loadInventory();
  const settings = environments[env as keyof typeof environments];
  const state = values.state!;
  const read = () => JSON.parse(readFileSync(state, 'utf8')) as Candidate[];
  const write = (candidates: Candidate[]) => writeFileSync(state, `${JSON.stringify(candidates, null, 2)}\n`);
  switch (command) {
    case 'upload-targets':
      deps.log(uploadTargets(catalogue).join(' '));
      return 0;
    case 'info':
      deps.log(
        [
          `project=${settings.projectId}`,
          `region=${settings.region}`,
          `hosting_site=${settings.hostingSite}`,
          `image=${settings.region}-docker.pkg.dev/${settings.projectId}/${RESOURCE_NAMES.imageRepository}/migrate`,
          `migrations_job=${RESOURCE_NAMES.migrationsJob}`,
        ].join('\n'),
      );
      return 0;
    case 'candidates':
      write(await tagCandidates(settings, catalogue, deps));
      return 0;
    case 'smoke':
      return (await smoke(read(), values.version, deps)) ? 0 : 1;
    case 'promote':
      try {
        write(await promote(settings, read(), deps));
        return 0;
      } catch (err) {
        if (!(err instanceof PromoteError)) throw err;
        write(err.candidates);
        deps.log(err.message);
        return 1;
      }
    default: {
      const promoted = read()
        .filter((c) => c.candidate !== c.serving)
        .map((c) => c.service);
      if (!promoted.length) {
        deps.log('nothing was promoted: nothing to watch');
        return 0;
      }
      const ok = await watch(
        settings,
        promoted,
        { minutes: Number(values.minutes ?? 5), maxErrorRate: Number(values['max-error-rate'] ?? 0.02), minRequests: 20 },
        deps,
      );
      return ok ? 0 : 1;
    }
  }
}

if (require.main === module) {
  const deps: ReleaseDeps = {
    run: runCommand,
    fetch: (...a) => fetch(...a),
    log: console.log,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: () => new Date(),
  };
  main(process.argv.slice(2), deps).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
