/**
 * Checks that the monitoring module maps alert policy JSON faithfully: every field used in an
 * alerting/*.json file must land on the provider argument of the same name (camelCase → snake_case),
 * and that argument's expression must read that very field.
 */
import type { BlockSchema } from './provider-schema';
import { bodies, isObject, type HclObject } from './terraform-config';

/** Fields the API fills in or that Terraform sets from elsewhere (channels come from userLabels.severity). */
export const NOT_MAPPED = new Set(['name', 'notificationChannels', 'creationRecord', 'mutationRecord', 'conditions.name']);

const snake = (camel: string) => camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export interface FieldUse {
  /** JSON path, e.g. conditions.conditionThreshold.thresholdValue */
  json: string;
  /** HCL path, e.g. conditions.condition_threshold.threshold_value */
  hcl: string;
  field: string;
  kind: 'argument' | 'block' | 'unknown';
}

/** Every field path of a policy JSON, as the provider would have to receive it. */
export function policyFields(policy: unknown, schema: BlockSchema, jsonPrefix = '', hclPrefix = ''): FieldUse[] {
  if (!isObject(policy)) return [];
  const out: FieldUse[] = [];
  for (const [field, value] of Object.entries(policy)) {
    const json = jsonPrefix ? `${jsonPrefix}.${field}` : field;
    if (NOT_MAPPED.has(json.replace(/\.\d+\./g, '.'))) continue;
    const name = snake(field);
    const hcl = hclPrefix ? `${hclPrefix}.${name}` : name;
    const nested = schema.blocks.get(name);
    if (nested) {
      out.push({ json, hcl, field, kind: 'block' });
      for (const item of Array.isArray(value) ? value : [value]) out.push(...policyFields(item, nested, json, hcl));
    } else {
      out.push({ json, hcl, field, kind: schema.arguments.has(name) ? 'argument' : 'unknown' });
    }
  }
  return out;
}

/** HCL path => the expression that sets it (for a block: its dynamic for_each), through dynamic blocks. */
export function hclAssignments(body: HclObject, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(body)) {
    if (key === 'dynamic' && isObject(value)) {
      for (const [block, instances] of Object.entries(value)) {
        const path = prefix ? `${prefix}.${block}` : block;
        for (const instance of bodies(instances)) {
          out.set(path, typeof instance.for_each === 'string' ? instance.for_each : '');
          for (const content of bodies(instance.content)) for (const [p, e] of hclAssignments(content, path)) out.set(p, e);
        }
      }
      continue;
    }
    const path = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(value) && value.every(isObject) && value.length > 0) {
      out.set(path, '');
      for (const b of bodies(value)) for (const [p, e] of hclAssignments(b, path)) out.set(p, e);
    } else {
      out.set(path, typeof value === 'string' ? value : JSON.stringify(value));
    }
  }
  return out;
}

/** Problems of one policy file against the module's resource body. */
export function mappingProblems(file: string, policy: unknown, schema: BlockSchema, resource: HclObject): string[] {
  const assignments = hclAssignments(resource);
  return policyFields(policy, schema).flatMap((use) => {
    if (use.kind === 'unknown') return [`${file}: ${use.json} has no counterpart "${use.hcl}" in google_monitoring_alert_policy`];
    const expression = assignments.get(use.hcl);
    if (expression === undefined) return [`${file}: ${use.json} is not mapped: the monitoring module sets no ${use.hcl}`];
    if (!expression.includes(`.${use.field}`)) return [`${file}: ${use.hcl} is set from "${expression}", which does not read ${use.field}`];
    return [];
  });
}
