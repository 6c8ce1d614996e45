/**
 * Offline structural check of the Terraform code: resource types, arguments and blocks against the
 * providers' schemas, module calls against the modules' variables, references against what exists,
 * typed and described variables. `terraform validate` does more, but needs the providers (CI only).
 */
import path from 'node:path';
import type { BlockSchema, ProviderSchema } from './provider-schema';
import { bodies, expressions, isObject, labelled, locals, strings, type HclObject, type HclValue, type TfModule } from './terraform-config';

export interface Problem {
  file: string;
  where: string;
  message: string;
}

export interface Unverified {
  kind: 'resource' | 'data' | 'ephemeral';
  type: string;
  provider: string;
  reason: string;
}

export interface CheckResult {
  problems: Problem[];
  unverified: Unverified[];
  /** Resource and data blocks whose names were checked against a provider schema. */
  checked: number;
}

const RESOURCE_META = new Set(['count', 'for_each', 'depends_on', 'provider', 'lifecycle', 'provisioner', 'connection']);
const LIFECYCLE = new Set(['create_before_destroy', 'prevent_destroy', 'ignore_changes', 'replace_triggered_by', 'precondition', 'postcondition']);
const CONDITION = new Set(['condition', 'error_message']);
const DYNAMIC = new Set(['for_each', 'iterator', 'labels', 'content']);
const MODULE_META = new Set(['source', 'version', 'providers', 'count', 'for_each', 'depends_on']);
/** Resources Terraform itself provides. */
const BUILTIN = new Set(['terraform_data']);

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

export function didYouMean(name: string, candidates: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(name, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean "${best}"?)` : '';
}

function providerOf(type: string, body: HclObject): string {
  const explicit = typeof body.provider === 'string' ? /^\$\{([a-z0-9-]+)(\.[a-z0-9_-]+)?\}$/.exec(body.provider)?.[1] : undefined;
  return explicit ?? type.split('_')[0]!;
}

/** The schema a block is checked against, or why it cannot be checked offline. */
function schemaFor(
  kind: 'resource' | 'data',
  type: string,
  provider: string,
  schemas: Map<string, ProviderSchema>,
): { schema: BlockSchema; note?: string } | { reason: string } {
  const table = (s: ProviderSchema) => (kind === 'resource' ? s.resources : s.dataSources);
  const own = schemas.get(provider);
  if (own) {
    const schema = table(own).get(type);
    return schema ? { schema } : { reason: `unknown ${kind} type "${type}" in ${own.package} ${own.version}${didYouMean(type, table(own).keys())}` };
  }
  // google-beta is a superset of google: a type GA knows is checked against GA's names.
  const ga = provider === 'google-beta' ? schemas.get('google') : undefined;
  const gaSchema = ga ? table(ga).get(type) : undefined;
  if (gaSchema) return { schema: gaSchema, note: 'checked against the google (GA) schema' };
  return { reason: `provider "${provider}" has no schema offline` };
}

function checkBody(body: HclObject, schema: BlockSchema, where: string, file: string, problems: Problem[], topLevel: boolean): void {
  for (const [key, value] of Object.entries(body)) {
    if (topLevel && RESOURCE_META.has(key)) {
      if (key === 'lifecycle') checkLifecycle(value, `${where}.lifecycle`, file, problems);
      continue;
    }
    if (key === 'dynamic') {
      if (!isObject(value)) continue;
      for (const [blockName, instances] of Object.entries(value)) {
        const nested = schema.blocks.get(blockName);
        if (!nested) {
          problems.push({
            file,
            where: `${where}.dynamic "${blockName}"`,
            message: `no block "${blockName}" here${didYouMean(blockName, schema.blocks.keys())}`,
          });
          continue;
        }
        for (const instance of bodies(instances)) {
          for (const k of Object.keys(instance)) {
            if (!DYNAMIC.has(k)) problems.push({ file, where: `${where}.dynamic "${blockName}"`, message: `"${k}" is not an argument of a dynamic block` });
          }
          for (const content of bodies(instance.content)) checkBody(content, nested, `${where}.${blockName}`, file, problems, false);
        }
      }
      continue;
    }
    const nested = schema.blocks.get(key);
    if (nested) {
      if (!Array.isArray(value)) {
        problems.push({ file, where: `${where}.${key}`, message: `"${key}" is a block: write ${key} { … }, not ${key} = …` });
        continue;
      }
      for (const b of bodies(value)) checkBody(b, nested, `${where}.${key}`, file, problems, false);
      continue;
    }
    if (!schema.arguments.has(key)) {
      problems.push({
        file,
        where: `${where}.${key}`,
        message: `unknown argument or block "${key}"${didYouMean(key, [...schema.arguments, ...schema.blocks.keys()])}`,
      });
    }
  }
}

function checkLifecycle(value: HclValue | undefined, where: string, file: string, problems: Problem[]): void {
  for (const body of bodies(value)) {
    for (const [key, inner] of Object.entries(body)) {
      if (!LIFECYCLE.has(key)) problems.push({ file, where, message: `unknown lifecycle argument "${key}"${didYouMean(key, LIFECYCLE)}` });
      if (key === 'precondition' || key === 'postcondition') {
        for (const c of bodies(inner)) {
          for (const k of Object.keys(c)) if (!CONDITION.has(k)) problems.push({ file, where: `${where}.${key}`, message: `unknown argument "${k}"` });
        }
      }
    }
  }
}

/** Resource, data and ephemeral blocks against the provider schemas. */
export function checkSchemas(modules: TfModule[], schemas: Map<string, ProviderSchema>): CheckResult {
  const problems: Problem[] = [];
  const unverified = new Map<string, Unverified>();
  let checked = 0;
  for (const module of modules) {
    for (const kind of ['resource', 'data'] as const) {
      for (const { type, label, body, file } of labelled(module, kind)) {
        if (!type || BUILTIN.has(type)) continue;
        const provider = providerOf(type, body);
        const where = `${kind === 'data' ? 'data.' : ''}${type}.${label}`;
        const found = schemaFor(kind, type, provider, schemas);
        if ('reason' in found) {
          if (schemas.has(provider)) problems.push({ file, where, message: found.reason });
          else unverified.set(`${kind} ${type}`, { kind, type, provider, reason: found.reason });
          continue;
        }
        checked++;
        checkBody(body, found.schema, where, file, problems, true);
      }
    }
    // cdktf has no ephemeral resources, so no assembly describes them.
    for (const { type } of labelled(module, 'ephemeral')) {
      if (type)
        unverified.set(`ephemeral ${type}`, {
          kind: 'ephemeral',
          type,
          provider: type.split('_')[0]!,
          reason: 'ephemeral resources are not in any cdktf assembly',
        });
    }
  }
  return { problems, unverified: [...unverified.values()], checked };
}

interface ModuleIndex {
  variables: Map<string, HclObject>;
  outputs: Map<string, HclObject>;
  locals: Set<string>;
  modules: Map<string, { body: HclObject; file: string }>;
  resources: Map<string, string>;
  data: Map<string, string>;
  ephemeral: Map<string, string>;
}

function index(module: TfModule): ModuleIndex {
  const one = (kind: string) => new Map(labelled(module, kind).map((e) => [e.label, e.body]));
  const typed = (kind: string) => new Map(labelled(module, kind).map((e) => [`${e.type}.${e.label}`, e.type!]));
  return {
    variables: one('variable'),
    outputs: one('output'),
    locals: new Set(locals(module).keys()),
    modules: new Map(labelled(module, 'module').map((e) => [e.label, { body: e.body, file: e.file }])),
    resources: typed('resource'),
    data: typed('data'),
    ephemeral: typed('ephemeral'),
  };
}

function attributeExists(schema: BlockSchema | undefined, attribute: string): boolean {
  if (!schema || attribute === 'id') return true;
  if (schema.arguments.has(attribute) || schema.blocks.has(attribute)) return true;
  const camel = attribute.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return Boolean(schema.classProperties?.has(camel) || schema.classProperties?.has(`${camel}Attribute`));
}

/** Module calls, references (var., local., module., data., resources) and variable/output hygiene. */
export function checkWiring(modules: TfModule[], schemas: Map<string, ProviderSchema>): Problem[] {
  const problems: Problem[] = [];
  const byDir = new Map(modules.map((m) => [m.dir, { module: m, index: index(m) }]));
  const google = schemas.get('google');

  for (const { module, index: own } of byDir.values()) {
    const rel = (f: string) => path.relative(path.dirname(module.dir), f);

    for (const [name, body] of own.variables) {
      const file = labelled(module, 'variable').find((v) => v.label === name)!.file;
      if (typeof body.type !== 'string') problems.push({ file, where: `variable.${name}`, message: 'a variable needs a type' });
      if (typeof body.description !== 'string' || body.description.trim() === '')
        problems.push({ file, where: `variable.${name}`, message: 'a variable needs a description' });
    }
    for (const { label, body, file } of labelled(module, 'output')) {
      if (typeof body.description !== 'string') problems.push({ file, where: `output.${label}`, message: 'an output needs a description' });
    }

    for (const [name, { body, file }] of own.modules) {
      const source = typeof body.source === 'string' ? body.source : '';
      if (!source.startsWith('.')) continue;
      const target = byDir.get(path.resolve(module.dir, source));
      if (!target) {
        problems.push({ file, where: `module.${name}`, message: `source "${source}" is not a module folder of this tree` });
        continue;
      }
      for (const arg of Object.keys(body)) {
        if (!MODULE_META.has(arg) && !target.index.variables.has(arg)) {
          problems.push({
            file,
            where: `module.${name}.${arg}`,
            message: `${source} has no variable "${arg}"${didYouMean(arg, target.index.variables.keys())}`,
          });
        }
      }
      for (const [variable, decl] of target.index.variables) {
        if (!('default' in decl) && !(variable in body))
          problems.push({ file, where: `module.${name}`, message: `required variable "${variable}" of ${source} is not set` });
      }
    }

    for (const { file, json } of module.files) {
      for (const text of strings(json).flatMap(expressions)) {
        const report = (message: string) =>
          problems.push({ file, where: rel(file), message: `${message} in \${${text.length > 80 ? `${text.slice(0, 77)}...` : text}}` });
        for (const m of text.matchAll(/(?<![\w.])var\.([A-Za-z_][\w-]*)/g)) if (!own.variables.has(m[1]!)) report(`undeclared variable "${m[1]}"`);
        for (const m of text.matchAll(/(?<![\w.])local\.([A-Za-z_][\w-]*)/g)) if (!own.locals.has(m[1]!)) report(`undefined local "${m[1]}"`);
        for (const m of text.matchAll(/(?<![\w.])module\.([A-Za-z_][\w-]*)(?:\[[^\]]*\])?(?:\.([A-Za-z_][\w-]*))?/g)) {
          const call = own.modules.get(m[1]!);
          if (!call) {
            report(`no module "${m[1]}"`);
            continue;
          }
          const source = typeof call.body.source === 'string' ? call.body.source : '';
          const target = byDir.get(path.resolve(module.dir, source));
          if (m[2] && target && !target.index.outputs.has(m[2]))
            report(`module "${m[1]}" has no output "${m[2]}"${didYouMean(m[2], target.index.outputs.keys())}`);
        }
        for (const m of text.matchAll(/(?<![\w.])(data|ephemeral)\.([a-z0-9_]+)\.([\w-]+)(?:\[[^\]]*\])?(?:\.([a-z0-9_]+))?/g)) {
          const table = m[1] === 'data' ? own.data : own.ephemeral;
          if (!table.has(`${m[2]}.${m[3]}`)) report(`no ${m[1]} "${m[2]}.${m[3]}"`);
          else if (m[1] === 'data' && m[4] && !attributeExists(google?.dataSources.get(m[2]!), m[4])) report(`data source ${m[2]} has no attribute "${m[4]}"`);
        }
        for (const m of text.matchAll(/(?<![\w.])((?:google|archive|random)_[a-z0-9_]+)\.([\w-]+)(?:\[[^\]]*\])?(?:\.([a-z0-9_]+))?/g)) {
          if (!own.resources.has(`${m[1]}.${m[2]}`)) report(`no resource "${m[1]}.${m[2]}"`);
          else if (m[3] && !attributeExists(google?.resources.get(m[1]!), m[3])) report(`${m[1]} has no attribute "${m[3]}"`);
        }
      }
    }
  }
  return problems;
}

export function formatProblems(problems: Problem[], root: string): string {
  return problems.map((p) => `${path.relative(root, p.file)}: ${p.where}: ${p.message}`).join('\n');
}
