/** Reads every Terraform module under a folder through @cdktf/hcl2json (HCL → JSON), one entry per module folder. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from '@cdktf/hcl2json';

export type HclValue = string | number | boolean | null | HclValue[] | HclObject;
export interface HclObject {
  [key: string]: HclValue;
}

export interface TfFile {
  file: string;
  json: HclObject;
}

export interface TfModule {
  dir: string;
  files: TfFile[];
}

export const TERRAFORM_ROOT = path.resolve(__dirname, '../../terraform');

function tfFolders(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    const entries = readdirSync(dir, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && e.name.endsWith('.tf'))) found.push(dir);
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.')) walk(path.join(dir, e.name));
  };
  if (statSync(root).isDirectory()) walk(root);
  return found.sort();
}

export async function parseTfFile(file: string): Promise<TfFile> {
  const json = (await parse(path.basename(file), readFileSync(file, 'utf8'))) as HclObject;
  return { file, json };
}

export async function loadTerraform(root: string = TERRAFORM_ROOT): Promise<TfModule[]> {
  return Promise.all(
    tfFolders(root).map(async (dir) => ({
      dir,
      files: await Promise.all(
        readdirSync(dir)
          .filter((f) => f.endsWith('.tf'))
          .sort()
          .map((f) => parseTfFile(path.join(dir, f))),
      ),
    })),
  );
}

export function isObject(value: unknown): value is HclObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Blocks are arrays of bodies in hcl2json's output; one body per occurrence. */
export function bodies(value: HclValue | undefined): HclObject[] {
  if (Array.isArray(value)) return value.filter(isObject);
  return isObject(value) ? [value] : [];
}

/** `label → bodies` of a two-label top-level block kind (resource, data) or one-label kind (module, variable, output). */
export function labelled(module: TfModule, kind: string): { label: string; type?: string; body: HclObject; file: string }[] {
  const out: { label: string; type?: string; body: HclObject; file: string }[] = [];
  for (const { file, json } of module.files) {
    const section = json[kind];
    if (!isObject(section)) continue;
    for (const [first, inner] of Object.entries(section)) {
      if (kind === 'resource' || kind === 'data' || kind === 'ephemeral') {
        if (!isObject(inner)) continue;
        for (const [name, body] of Object.entries(inner)) for (const b of bodies(body)) out.push({ label: name, type: first, body: b, file });
      } else {
        for (const b of bodies(inner)) out.push({ label: first, body: b, file });
      }
    }
  }
  return out;
}

/** Every local value defined in a module: name → value (literal JSON, or "${…}" for an expression). */
export function locals(module: TfModule): Map<string, HclValue> {
  const out = new Map<string, HclValue>();
  for (const { json } of module.files) for (const block of bodies(json.locals)) for (const [k, v] of Object.entries(block)) out.set(k, v);
  return out;
}

/** The `${…}` expressions inside a string, with nested braces balanced. */
export function expressions(text: string): string[] {
  const found: string[] = [];
  let i = text.indexOf('${');
  while (i >= 0) {
    let depth = 0;
    let j = i + 1;
    for (; j < text.length; j++) {
      if (text[j] === '{') depth++;
      else if (text[j] === '}' && --depth === 0) break;
    }
    found.push(text.slice(i + 2, j));
    i = text.indexOf('${', j);
  }
  return found;
}

/** Every string anywhere in a value, depth first. */
export function strings(value: HclValue | undefined): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (isObject(value)) return Object.values(value).flatMap(strings);
  return [];
}
