import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CHECKS } from '../../scripts/delivery/preflight-checks';
import { labelled, loadTerraform, type TfModule } from '../../scripts/delivery/terraform-config';
import {
  ENVIRONMENTS,
  moduleAt,
  readCatalogue,
  readEnvironment,
  RESOURCE_NAMES,
  type Catalogue,
  type EnvironmentSettings,
} from '../../scripts/delivery/terraform-inventory';

const ROOT = path.resolve(__dirname, '../..');
const read = (doc: string) => readFileSync(path.join(ROOT, 'docs', doc), 'utf8');
/** npm scripts the delivery work adds to package.json (`rollback`, `preflight`) and the existing ones. */
const NPM_SCRIPTS = new Set([
  ...Object.keys((JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts),
  'rollback',
  'preflight',
]);

let modules: TfModule[];
let catalogue: Catalogue;
let envs: EnvironmentSettings[];
beforeAll(async () => {
  modules = await loadTerraform();
  catalogue = readCatalogue(modules);
  envs = ENVIRONMENTS.map((e) => readEnvironment(modules, e));
});

/** Shell commands of a document: fenced blocks (joined across `\` line ends) and inline code. */
function commands(markdown: string): string[] {
  const fenced = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.replace(/\\\n\s*/g, ' ').split('\n'));
  const inline = [...markdown.replace(/```[\s\S]*?```/g, '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  return [...fenced, ...inline]
    .flatMap((c) => c.replace(/\s+#.*$/, '').split(/\s*(?:\||&&|;)\s*/))
    .map((c) => c.trim())
    .filter((c) => /^(gcloud|terraform|npm run|npx tsx)\b/.test(c));
}

function problems(command: string): string[] {
  const found: string[] = [];
  const projects = envs.map((e) => e.projectId);
  const functions = [...catalogue.httpFunctions, ...catalogue.eventFunctions];
  const accounts = labelled(moduleAt(modules, 'modules/iam'), 'resource')
    .filter((r) => r.type === 'google_service_account')
    .map((r) => String(r.body.account_id));
  const flag = (name: string) => [...command.matchAll(new RegExp(`--${name}[= ]([^\\s]+)`, 'g'))].map((m) => m[1]!);
  for (const p of flag('project')) if (!projects.includes(p)) found.push(`unknown project ${p}`);
  const instances: string[] = [RESOURCE_NAMES.sqlInstance, RESOURCE_NAMES.sqlReplica];
  for (const i of flag('instance')) if (!instances.includes(i)) found.push(`unknown instance ${i}`);
  for (const m of command.matchAll(/terraform\/envs\/([a-z]+)/g))
    if (!(ENVIRONMENTS as readonly string[]).includes(m[1]!)) found.push(`no root terraform/envs/${m[1]}`);
  for (const m of command.matchAll(/gs:\/\/([a-z0-9-]+)/g)) if (!envs.some((e) => e.stateBucket === m[1])) found.push(`unknown bucket ${m[1]}`);
  for (const m of command.matchAll(/(?:--env |--env=)([a-z]+)/g))
    if (![...ENVIRONMENTS, 'local'].includes(m[1]! as never) && m[1] !== 'ENV') found.push(`unknown env ${m[1]}`);
  let m: RegExpMatchArray | null;
  if ((m = /^gcloud run jobs execute (\S+)/.exec(command)) && m[1] !== RESOURCE_NAMES.migrationsJob) found.push(`unknown job ${m[1]}`);
  if ((m = /^gcloud secrets versions add (\S+)/.exec(command)) && !catalogue.secrets.includes(m[1]!)) found.push(`unknown secret ${m[1]}`);
  if ((m = /^gcloud sql instances (?:describe|clone|promote-replica|patch) (\S+)/.exec(command)) && !instances.includes(m[1]!))
    found.push(`unknown instance ${m[1]}`);
  if ((m = /^gcloud run services (?:describe|update-traffic) (\S+)/.exec(command)) && !functions.includes(m[1]!) && m[1] !== '<function>')
    found.push(`unknown service ${m[1]}`);
  if ((m = /^npm run rollback .*--only (\S+)/.exec(command))) for (const f of m[1]!.split(',')) if (!functions.includes(f)) found.push(`unknown function ${f}`);
  if ((m = /^npm run preflight .*--only (\S+)/.exec(command)))
    for (const id of m[1]!.split(',')) if (!CHECKS.some((c) => c.id === id)) found.push(`unknown check ${id}`);
  if ((m = /--iam-account=([a-z0-9-]+)@([a-z0-9-]+)\.iam/.exec(command)) && (!accounts.includes(m[1]!) || !projects.includes(m[2]!)))
    found.push(`unknown account ${m[1]}@${m[2]}`);
  for (const t of command.matchAll(/-target=module\.stack\.([\w.]+)/g)) {
    const [kind, name] = t[1]!.split('.') as [string, string | undefined];
    const stack = moduleAt(modules, 'modules/stack');
    const exists =
      kind === 'module'
        ? labelled(stack, 'module').some((x) => x.label === name)
        : labelled(stack, 'resource').some((x) => x.type === kind && x.label === name);
    if (!exists) found.push(`no ${t[1]} in modules/stack`);
  }
  if ((m = /^npm run (\S+)/.exec(command)) && !NPM_SCRIPTS.has(m[1]!)) found.push(`no npm script ${m[1]}`);
  if ((m = /^npx tsx (\S+)/.exec(command))) {
    try {
      readFileSync(path.join(ROOT, m[1]!));
    } catch {
      found.push(`no file ${m[1]}`);
    }
  }
  return found.map((f) => `${f} in: ${command}`);
}

describe('docs/DEPLOYMENT.md and docs/GO-LIVE.md', () => {
  it.each(['DEPLOYMENT.md', 'GO-LIVE.md'])('%s: every command names real resources of the Terraform code', (doc) => {
    const cmds = commands(read(doc));
    expect(cmds.length).toBeGreaterThan(doc === 'DEPLOYMENT.md' ? 20 : 3);
    expect(cmds.flatMap(problems)).toEqual([]);
  });

  it('the command check catches a wrong name', () => {
    expect(problems('gcloud run jobs execute taxasge-migrations --project=taxasge-production --region=europe-west1')).toEqual([
      'unknown project taxasge-production in: gcloud run jobs execute taxasge-migrations --project=taxasge-production --region=europe-west1',
      'unknown job taxasge-migrations in: gcloud run jobs execute taxasge-migrations --project=taxasge-production --region=europe-west1',
    ]);
    expect(problems('npm run rollback -- --env prod --only webhook')).toEqual(['unknown function webhook in: npm run rollback -- --env prod --only webhook']);
  });

  it('GO-LIVE.md has the fifteen sections, marks every item automated or manual, and names its preflight checks by id, both ways', () => {
    const text = read('GO-LIVE.md');
    expect(text.split('\n').filter((l) => /^## \d+\. /.test(l))).toHaveLength(15);
    expect(text).toMatch(/RTO < 4 hours, RPO < 1 hour/);
    expect(text).toMatch(/## GO \/ NO-GO decision[\s\S]*\| role \| signs for \|/);
    const rows = text.split('\n').filter((l) => /^\| \d+ \|/.test(l));
    expect(rows.length).toBeGreaterThanOrEqual(50);
    expect(rows.map((r) => Number(/^\| (\d+) \|/.exec(r)![1]))).toEqual(rows.map((_, i) => i + 1));
    for (const row of rows) expect(row).toMatch(/\| (automated|manual) \|$/);
    const named = rows.flatMap((r) => [...r.matchAll(/preflight `([^`]+)`/g)].map((m) => m[1]!));
    const ids = CHECKS.map((c) => c.id);
    expect({ unknown: named.filter((n) => !ids.includes(n)), unnamed: ids.filter((id) => !named.includes(id)) }).toEqual({ unknown: [], unnamed: [] });
    for (const row of rows.filter((r) => /preflight `/.test(r) && !/then preflight/.test(r))) expect(row).toMatch(/\| automated \|$/);
  });
});
