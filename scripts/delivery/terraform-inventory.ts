/** What the Terraform code deploys (functions, topics, secrets, environments): the topology it reads, and the rest from the parsed HCL, so scripts and tests share one source. */
import path from 'node:path';
import { topology, type HttpFunctionSpec } from '../../shared/topology/topology';
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
  /** Every argument of the env root's `module "stack"` call that is a literal or names a literal local (other expressions omitted). */
  stack: Record<string, HclValue>;
}

/** Resource names fixed by the modules' defaults, used by scripts and docs. */
export const RESOURCE_NAMES = {
  migrationsJob: 'taxasge-migrate',
  sqlInstance: 'taxasge-db',
  /** The cross-region replica, where an environment has one (db_replica_region). */
  sqlReplica: 'taxasge-db-replica',
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

/** The functions, topics, subscriptions and jobs come from the topology the stack reads (jsondecode), the secrets from the stack's locals. */
export function readCatalogue(modules: TfModule[], root = TERRAFORM_ROOT): Catalogue {
  const stack = locals(moduleAt(modules, 'modules/stack', root));
  const http = topology.httpFunctions as Record<string, HttpFunctionSpec>;
  return {
    httpFunctions: Object.keys(http),
    publicHttpFunctions: Object.keys(http).filter((id) => http[id]!.public),
    eventFunctions: Object.keys(topology.eventFunctions),
    topics: Object.keys(topology.topics),
    subscriptions: Object.fromEntries(Object.entries(topology.subscriptions).map(([name, s]) => [name, { topic: s.topic, function: s.function }])),
    secrets: Object.keys(literalObject(stack.get('secrets'), 'local.secrets')),
    scheduledJobs: Object.fromEntries(Object.entries(topology.jobs).map(([name, j]) => [name, { function: j.function, path: j.path, schedule: j.schedule }])),
  };
}

export function readEnvironment(modules: TfModule[], name: EnvironmentName, root = TERRAFORM_ROOT): EnvironmentSettings {
  const env = moduleAt(modules, `envs/${name}`, root);
  const envLocals = locals(env);
  const call = labelled(env, 'module').find((m) => m.label === 'stack');
  if (!call) throw new Error(`terraform/envs/${name} has no module "stack"`);
  const stack: Record<string, HclValue> = {};
  for (const [k, v] of Object.entries(call.body)) {
    const local = typeof v === 'string' ? /^\$\{local\.(\w+)\}$/.exec(v)?.[1] : undefined;
    const value = local !== undefined ? envLocals.get(local) : v;
    if (!(typeof value === 'string' && value.includes('${')) && value !== undefined) stack[k] = value;
  }
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
