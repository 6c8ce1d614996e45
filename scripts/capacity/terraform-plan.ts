/** Each Terraform environment's sizing, as the model needs it: max/min instances, pool, concurrency, memory and the database tier. */
import { loadTerraform, type TfModule } from '../delivery/terraform-config';
import { ENVIRONMENTS, moduleAt, readEnvironment, type EnvironmentName } from '../delivery/terraform-inventory';
import { topology } from '../../shared/topology/topology';

export interface EnvPlan {
  name: EnvironmentName;
  dbTier: string;
  dbVcpu: number;
  dbMemoryGb: number;
  regional: boolean;
  dbMaxConnections: number;
  dbPoolMax: number;
  maxInstances: Record<string, number>;
  minInstances: Record<string, number>;
  /** Requests one instance serves at once: HTTP functions var.concurrency (stack default 40), event functions the module's default (20). */
  concurrency: Record<string, number>;
  memoryMiB: Record<string, number>;
  logLevel: string;
}

export const FUNCTIONS = [...Object.keys(topology.httpFunctions), ...Object.keys(topology.eventFunctions)];

/** A module variable's default, read from its variables file as Terraform applies it when nothing sets it. */
function numberDefault(modules: TfModule[], dir: string, name: string): number {
  for (const file of moduleAt(modules, dir).files) {
    const declared = (file.json.variable as Record<string, { default?: unknown }[]> | undefined)?.[name]?.[0];
    if (typeof declared?.default === 'number') return declared.default;
  }
  throw new Error(`terraform/${dir} declares no numeric default for variable "${name}"`);
}

/** vCPU and memory of a Cloud SQL tier: db-custom-<vCPU>-<MB>, or the shared-core ones. */
export function tierShape(tier: string): { vcpu: number; memoryGb: number } {
  const custom = /^db-custom-(\d+)-(\d+)$/.exec(tier);
  if (custom) return { vcpu: Number(custom[1]), memoryGb: Number(custom[2]) / 1024 };
  const shared: Record<string, { vcpu: number; memoryGb: number }> = {
    'db-f1-micro': { vcpu: 0.2, memoryGb: 0.6 },
    'db-g1-small': { vcpu: 0.5, memoryGb: 1.7 },
  };
  const s = shared[tier];
  if (!s) throw new Error(`unknown Cloud SQL tier ${tier}`);
  return s;
}

/** The smallest db-custom tier with at least this many vCPUs (3.75 GB each, the standard shape), from 1 to 96. */
export function customTierFor(vcpu: number): string {
  const sizes = [1, 2, 4, 8, 16, 32, 64, 96];
  const n = sizes.find((s) => s >= vcpu) ?? 96;
  return `db-custom-${n}-${Math.round(n * 3840)}`;
}

const memMiB = (m: string) => (m.endsWith('Gi') ? Number(m.slice(0, -2)) * 1024 : Number(m.replace(/Mi$/, '')));

export async function readPlans(): Promise<Record<EnvironmentName, EnvPlan>> {
  const modules = await loadTerraform();
  // HTTP functions get the stack's var.concurrency; the stack passes none to event functions, which keep their module's default.
  const httpDefault = numberDefault(modules, 'modules/stack', 'concurrency');
  const eventConcurrency = numberDefault(modules, 'modules/event-function', 'concurrency');
  const out = {} as Record<EnvironmentName, EnvPlan>;
  for (const name of ENVIRONMENTS) {
    const { stack } = readEnvironment(modules, name);
    const overrides = (stack.max_instances ?? {}) as Record<string, number>;
    const mins = (stack.min_instances ?? {}) as Record<string, number>;
    const tier = String(stack.db_tier);
    const shape = tierShape(tier);
    const httpConcurrency = typeof stack.concurrency === 'number' ? stack.concurrency : httpDefault;
    out[name] = {
      name,
      dbTier: tier,
      dbVcpu: shape.vcpu,
      dbMemoryGb: shape.memoryGb,
      regional: stack.db_availability_type === 'REGIONAL',
      dbMaxConnections: Number(stack.db_max_connections),
      dbPoolMax: Number(stack.db_pool_max),
      maxInstances: Object.fromEntries(FUNCTIONS.map((id) => [id, overrides[id] ?? Number(stack.default_max_instances)])),
      minInstances: Object.fromEntries(FUNCTIONS.map((id) => [id, mins[id] ?? 0])),
      concurrency: Object.fromEntries(FUNCTIONS.map((id) => [id, id in topology.httpFunctions ? httpConcurrency : eventConcurrency])),
      memoryMiB: Object.fromEntries(
        FUNCTIONS.map((id) => [id, memMiB((topology.httpFunctions as Record<string, { memory?: string }>)[id]?.memory ?? '256Mi')]),
      ),
      logLevel: String(stack.log_level),
    };
  }
  return out;
}

/** What the cloud-sql module's precondition demands: every function × its max instances × the pool, +1 (migrations), +10 for operators. */
export function connectionsNeeded(plan: EnvPlan): number {
  return FUNCTIONS.reduce((sum, id) => sum + plan.maxInstances[id]! * plan.dbPoolMax, 0) + 1 + 10;
}
