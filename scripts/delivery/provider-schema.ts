/** Terraform provider schemas (resource, argument and block names) read offline from cdktf's jsii assemblies. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Argument and nested-block names of one resource, data source or block, as written in HCL. */
export interface BlockSchema {
  arguments: Set<string>;
  blocks: Map<string, BlockSchema>;
  /** camelCase names of the jsii class's properties (arguments and computed attributes), for reference checks. */
  classProperties?: Set<string>;
}

export interface ProviderSchema {
  /** The provider's local name in HCL: google, google-beta, archive, random… */
  provider: string;
  version: string;
  package: string;
  resources: Map<string, BlockSchema>;
  dataSources: Map<string, BlockSchema>;
}

interface JsiiTypeRef {
  primitive?: string;
  fqn?: string;
  collection?: { kind: 'array' | 'map'; elementtype: JsiiTypeRef };
  union?: { types: JsiiTypeRef[] };
}

interface JsiiProperty {
  name: string;
  type: JsiiTypeRef;
  docs?: Record<string, unknown>;
}

interface JsiiType {
  kind: 'class' | 'interface' | 'enum';
  datatype?: boolean;
  interfaces?: string[];
  properties?: JsiiProperty[];
  docs?: { summary?: string };
  initializer?: { parameters?: { name: string; type: JsiiTypeRef }[] };
}

interface JsiiAssembly {
  name: string;
  types: Record<string, JsiiType>;
}

/** The cdktf packages whose assemblies describe the providers this project's Terraform may use. */
export const PROVIDER_PACKAGES: Record<string, string> = {
  google: '@cdktf/provider-google',
  'google-beta': '@cdktf/provider-google-beta',
  archive: '@cdktf/provider-archive',
  random: '@cdktf/provider-random',
};

const RESOURCE_DOC =
  /Represents a \{@link https:\/\/registry\.terraform\.io\/providers\/hashicorp\/([a-z0-9-]+)\/([0-9.]+)\/docs\/(resources|data-sources)\/[a-z0-9_]+ ([a-z0-9_]+)\}/;

/**
 * The HCL name of a property. cdktf renames some properties (`build` → `buildAttribute`,
 * `source_md5hash` → `sourceMd5Hash`), so camelCase → snake_case is not reliable; every property's
 * docs link to the registry with the real name as the anchor, and that is what is read here.
 */
export function hclName(property: JsiiProperty): string {
  const anchor = /registry\.terraform\.io\/providers\/hashicorp\/[a-z0-9-]+\/[0-9.]+\/docs\/[a-z-]+\/[a-z0-9_]+#([a-z0-9_]+)/.exec(
    JSON.stringify(property.docs ?? {}),
  );
  if (anchor) return anchor[1]!;
  // Two properties in the google assembly have no link (a JavaScript UDF's `code`): fall back to the plain rule.
  return property.name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** The struct a property's type refers to, when the property is a nested block. */
function nestedStruct(type: JsiiTypeRef, assembly: JsiiAssembly): string | undefined {
  if (type.fqn) return assembly.types[type.fqn]?.datatype ? type.fqn : undefined;
  if (type.collection) return nestedStruct(type.collection.elementtype, assembly);
  if (type.union) {
    for (const t of type.union.types) {
      const found = nestedStruct(t, assembly);
      if (found) return found;
    }
  }
  return undefined;
}

function allProperties(fqn: string, assembly: JsiiAssembly, seen = new Set<string>()): JsiiProperty[] {
  const type = assembly.types[fqn];
  if (!type || seen.has(fqn)) return [];
  seen.add(fqn);
  const inherited = (type.interfaces ?? []).filter((i) => i.startsWith(`${assembly.name}.`)).flatMap((i) => allProperties(i, assembly, seen));
  return [...inherited, ...(type.properties ?? [])];
}

function blockSchema(fqn: string, assembly: JsiiAssembly, cache: Map<string, BlockSchema>): BlockSchema {
  const cached = cache.get(fqn);
  if (cached) return cached;
  const schema: BlockSchema = { arguments: new Set(), blocks: new Map() };
  cache.set(fqn, schema); // before recursing: some structs nest themselves
  for (const property of allProperties(fqn, assembly)) {
    const name = hclName(property);
    const struct = nestedStruct(property.type, assembly);
    if (struct) schema.blocks.set(name, blockSchema(struct, assembly, cache));
    else schema.arguments.add(name);
  }
  return schema;
}

/** Reads one cdktf provider package's assembly; undefined when the package is not installed. */
export function loadProviderSchema(packageName: string, fromDir: string = process.cwd()): ProviderSchema | undefined {
  let packageJson: string;
  try {
    packageJson = require.resolve(`${packageName}/package.json`, { paths: [fromDir] });
  } catch {
    return undefined;
  }
  const assemblyFile = path.join(path.dirname(packageJson), '.jsii');
  if (!existsSync(assemblyFile)) return undefined;
  const assembly = JSON.parse(readFileSync(assemblyFile, 'utf8')) as JsiiAssembly;
  const cache = new Map<string, BlockSchema>();
  const schema: ProviderSchema = { provider: '', version: '', package: packageName, resources: new Map(), dataSources: new Map() };
  for (const type of Object.values(assembly.types)) {
    if (type.kind !== 'class') continue;
    const doc = RESOURCE_DOC.exec(type.docs?.summary ?? '');
    const configFqn = type.initializer?.parameters?.find((p) => p.name === 'config')?.type.fqn;
    if (!doc || !configFqn) continue;
    const [, provider, version, kind, tfType] = doc;
    schema.provider = provider!;
    schema.version = version!;
    const block = { ...blockSchema(configFqn, assembly, cache), classProperties: new Set((type.properties ?? []).map((p) => p.name)) };
    (kind === 'resources' ? schema.resources : schema.dataSources).set(tfType!, block);
  }
  return schema;
}

/** Every provider schema available offline, keyed by the provider's HCL name. */
export function loadProviderSchemas(fromDir: string = process.cwd()): Map<string, ProviderSchema> {
  const schemas = new Map<string, ProviderSchema>();
  for (const [name, pkg] of Object.entries(PROVIDER_PACKAGES)) {
    const schema = loadProviderSchema(pkg, fromDir);
    if (schema) schemas.set(name, schema);
  }
  return schemas;
}
