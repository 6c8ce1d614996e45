/** What the Terraform code declares (functions, topics, secrets, environments), read from the parsed HCL so scripts and tests share one source. */
import path from 'node:path';
import { bodies, isObject, labelled, loadTerraform, locals, TERRAFORM_ROOT, type HclObject, type HclValue, type TfModule } from './terraform-config';

export const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

export interface Catalogue {
  httpFunctions: string[];
  /** HTTP functions behind Firebase Hosting (invokable by anyone; the code authorises). */
  publicHttpFunctions: string[];
  eventFunctions: string[];
  topics: string[];
  /** Subscription name => its topic and the event function handling it. */
  subscriptions: Record<string, { topic: string; function: string }>;
  secrets: string[];
  scheduledJobs: Record<string, { function: string; path: string; schedule: string }>;
}

export interface EnvironmentSettings {
  name: EnvironmentName;
  projectId: string;
  region: string;
  stateBucket: string;
  hostingSite: string;
  /** Every argument of the env root's `module "stack"` call that is a literal (expressions omitted). */
  stack: Record<string, HclValue>;
}

/** Resource names fixed by the modules' defaults, used by scripts and docs. */
export const RESOURCE_NAMES = {
  migrationsJob: 'taxasge-migrate',
  sqlInstance: 'taxasge-db',
  imageRepository: 'taxasge',
  deployer: 'github-deployer',
} as const;

export function moduleAt(modules: TfModule[], relativeDir: string, root = TERRAFORM_ROOT): TfModule {
  const dir = path.join(root, relativeDir);
  const found = modules.find((m) => m.dir === dir);
  if (!found) throw new Error(`no Terraform module at ${dir}`);
  return found;
}

function literalObject(value: HclValue | undefined, what: string): HclObject {
  if (!isObject(value)) throw new Error(`${what} must be a literal object in the Terraform code`);
  return value;
}

function str(value: HclValue | undefined, what: string): string {
  if (typeof value !== 'string' || value.includes('${')) throw new Error(`${what} must be a literal string in the Terraform code`);
  return value;
}

export function readCatalogue(modules: TfModule[], root = TERRAFORM_ROOT): Catalogue {
  const stack = locals(moduleAt(modules, 'modules/stack', root));
  const keysOf = (name: string) => Object.keys(literalObject(stack.get(name), `local.${name}`));
  const subscriptions: Catalogue['subscriptions'] = {};
  for (const [name, value] of Object.entries(literalObject(stack.get('subscriptions'), 'local.subscriptions'))) {
    const s = literalObject(value, `local.subscriptions["${name}"]`);
    subscriptions[name] = { topic: str(s.topic, `${name}.topic`), function: str(s.function, `${name}.function`) };
  }
  const scheduledJobs: Catalogue['scheduledJobs'] = {};
  for (const [name, value] of Object.entries(literalObject(stack.get('scheduled_jobs'), 'local.scheduled_jobs'))) {
    const j = literalObject(value, `local.scheduled_jobs["${name}"]`);
    scheduledJobs[name] = { function: str(j.function, `${name}.function`), path: str(j.path, `${name}.path`), schedule: str(j.schedule, `${name}.schedule`) };
  }
  const http = literalObject(stack.get('http_functions'), 'local.http_functions');
  return {
    httpFunctions: Object.keys(http),
    publicHttpFunctions: Object.keys(http).filter((id) => literalObject(http[id], `local.http_functions["${id}"]`).public === true),
    eventFunctions: keysOf('event_functions'),
    topics: keysOf('topics'),
    subscriptions,
    secrets: keysOf('secrets'),
    scheduledJobs,
  };
}

export function readEnvironment(modules: TfModule[], name: EnvironmentName, root = TERRAFORM_ROOT): EnvironmentSettings {
  const env = moduleAt(modules, `envs/${name}`, root);
  const envLocals = locals(env);
  const call = labelled(env, 'module').find((m) => m.label === 'stack');
  if (!call) throw new Error(`terraform/envs/${name} has no module "stack"`);
  const stack: Record<string, HclValue> = {};
  for (const [k, v] of Object.entries(call.body)) if (!(typeof v === 'string' && v.includes('${'))) stack[k] = v;
  const terraformBlock = env.files.flatMap((f) => bodies(f.json.terraform));
  const backend = terraformBlock.flatMap((t) => bodies(isObject(t.backend) ? t.backend.gcs : undefined))[0];
  return {
    name,
    projectId: str(envLocals.get('project_id'), `envs/${name} local.project_id`),
    region: str(envLocals.get('region'), `envs/${name} local.region`),
    stateBucket: str(backend?.bucket, `envs/${name} backend "gcs" bucket`),
    hostingSite: str(stack.hosting_site_id, `envs/${name} hosting_site_id`),
    stack,
  };
}

export async function loadInventory(root = TERRAFORM_ROOT): Promise<{ catalogue: Catalogue; environments: Record<EnvironmentName, EnvironmentSettings> }> {
  const modules = await loadTerraform(root);
  const environments = Object.fromEntries(ENVIRONMENTS.map((e) => [e, readEnvironment(modules, e, root)])) as Record<EnvironmentName, EnvironmentSettings>;
  return { catalogue: readCatalogue(modules, root), environments };
}

export function isEnvironmentName(value: string): value is EnvironmentName {
  return (ENVIRONMENTS as readonly string[]).includes(value);
}
