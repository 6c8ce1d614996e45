/**
 * What Terraform delivers to Cloud Monitoring, read offline from the HCL: the log-based metrics it
 * defines, the log metrics the alert policies depend on, and the functions it runs with the custom
 * metric exporter on (METRICS_EXPORT=cloud-monitoring) in every environment.
 */
import path from 'node:path';
import { labelled, locals, TERRAFORM_ROOT, type HclObject, type TfModule } from './terraform-config';
import { moduleAt } from './terraform-inventory';

export interface MonitoringInventory {
  /** google_logging_metric resources by metric id (`taxasge/<name>`): resource label and body. */
  logMetrics: Map<string, { resource: string; body: HclObject }>;
  /** Resource labels of the google_logging_metric resources the alert policies depend on. */
  alertDependsOn: Set<string>;
  /** Environments (terraform/envs/*) that instantiate modules/stack. */
  environments: string[];
  /** Function modules of the stack (http_function, event_function) given the common environment. */
  modulesWithCommonEnvironment: string[];
  /** METRICS_EXPORT of the stack's common environment. */
  metricsExport: string | undefined;
}

const reference = (text: string, kind: string) => new RegExp(`^\\$\\{${kind.replace('.', '\\.')}\\.([a-z0-9_]+)\\}$`).exec(text)?.[1];

export function monitoringInventory(modules: TfModule[]): MonitoringInventory {
  const monitoring = moduleAt(modules, 'modules/monitoring');
  const stack = moduleAt(modules, 'modules/stack');
  const resources = labelled(monitoring, 'resource');

  const logMetrics = new Map<string, { resource: string; body: HclObject }>();
  for (const r of resources.filter((x) => x.type === 'google_logging_metric')) logMetrics.set(String(r.body.name), { resource: r.label, body: r.body });

  const alertDependsOn = new Set<string>();
  for (const r of resources.filter((x) => x.type === 'google_monitoring_alert_policy')) {
    const deps = Array.isArray(r.body.depends_on) ? r.body.depends_on : [];
    for (const d of deps) {
      const label = typeof d === 'string' ? reference(d, 'google_logging_metric') : undefined;
      if (label) alertDependsOn.add(label);
    }
  }

  const envRoot = path.join(TERRAFORM_ROOT, 'envs');
  const environments = modules
    .filter((m) => path.dirname(m.dir) === envRoot && labelled(m, 'module').some((x) => x.body.source === '../../modules/stack'))
    .map((m) => path.basename(m.dir));

  const modulesWithCommonEnvironment = labelled(stack, 'module')
    .filter((x) => typeof x.body.environment_variables === 'string' && x.body.environment_variables === '${local.common_environment}')
    .map((x) => x.label);
  const common = locals(stack).get('common_environment') as HclObject | undefined;
  const metricsExport = typeof common?.METRICS_EXPORT === 'string' ? common.METRICS_EXPORT : undefined;

  return { logMetrics, alertDependsOn, environments, modulesWithCommonEnvironment, metricsExport };
}
