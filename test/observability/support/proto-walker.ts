/**
 * Decodes JSON as a Cloud Monitoring API message by walking the types protobufjs reflects from the
 * protos.json the Google packages ship. Unlike `fromObject`/`verify` it refuses unknown fields (with
 * a did-you-mean), checks enum names, accepts proto3 JSON durations ("60s") and timestamps, and
 * refuses two members of one oneof.
 */
import path from 'node:path';
import protobuf from 'protobufjs';

export type ProtoPackage = '@google-cloud/monitoring' | '@google-cloud/monitoring-dashboards';

const roots = new Map<ProtoPackage, protobuf.Root>();

export function protoRoot(pkg: ProtoPackage): protobuf.Root {
  let root = roots.get(pkg);
  if (!root) {
    const file = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'build/protos/protos.json');
    root = protobuf.Root.fromJSON(require(file) as protobuf.INamespace);
    roots.set(pkg, root);
  }
  return root;
}

export function lookupType(pkg: ProtoPackage, name: string): protobuf.Type {
  return protoRoot(pkg).lookupType(name);
}

/** `json`: proto3 JSON (the files in dashboards/ and alerting/); `object`: what the Node client is given (Timestamp as {seconds, nanos}). */
export type WalkMode = 'json' | 'object';

const DURATION = /^-?\d+(\.\d{1,9})?s$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const INT32 = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

export function didYouMean(word: string, candidates: string[]): string {
  const best = candidates.map((c) => [c, distance(word, c)] as const).sort((x, y) => x[1] - y[1])[0];
  return best && best[1] <= Math.max(2, Math.floor(word.length / 3)) ? ` (did you mean "${best[0]}"?)` : '';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkScalar(type: string, value: unknown, where: string, problems: string[]): void {
  const ok =
    type === 'string'
      ? typeof value === 'string'
      : type === 'bool'
        ? typeof value === 'boolean'
        : type === 'double' || type === 'float'
          ? typeof value === 'number' || value === 'NaN' || value === 'Infinity' || value === '-Infinity'
          : INT32.has(type)
            ? Number.isInteger(value)
            : INT64.has(type)
              ? Number.isInteger(value) || (typeof value === 'string' && /^-?\d+$/.test(value))
              : type === 'bytes'
                ? typeof value === 'string'
                : false;
  if (!ok) problems.push(`${where}: expected ${type}, got ${JSON.stringify(value)}`);
}

function checkValue(field: protobuf.Field, value: unknown, where: string, mode: WalkMode, problems: string[]): void {
  const resolved = field.resolve().resolvedType;
  if (resolved instanceof protobuf.Enum) {
    const ok = typeof value === 'string' ? value in resolved.values : Number.isInteger(value) && Object.values(resolved.values).includes(value as number);
    if (!ok)
      problems.push(
        `${where}: ${JSON.stringify(value)} is not a ${resolved.name}${typeof value === 'string' ? didYouMean(value, Object.keys(resolved.values)) : ''}`,
      );
  } else if (resolved instanceof protobuf.Type) {
    walk(resolved, value, where, mode, problems);
  } else checkScalar(field.type, value, where, problems);
}

function walk(type: protobuf.Type, value: unknown, where: string, mode: WalkMode, problems: string[]): void {
  if (mode === 'json') {
    switch (type.fullName) {
      case '.google.protobuf.Duration':
        if (typeof value !== 'string' || !DURATION.test(value)) problems.push(`${where}: expected a duration such as "60s", got ${JSON.stringify(value)}`);
        return;
      case '.google.protobuf.Timestamp':
        if (typeof value !== 'string' || !TIMESTAMP.test(value)) problems.push(`${where}: expected an RFC 3339 timestamp, got ${JSON.stringify(value)}`);
        return;
      case '.google.protobuf.Struct':
      case '.google.protobuf.Value':
      case '.google.protobuf.ListValue':
        return;
      case '.google.protobuf.FieldMask':
        if (typeof value !== 'string') problems.push(`${where}: expected a field mask string`);
        return;
    }
    if (type.fullName.startsWith('.google.protobuf.') && type.fullName.endsWith('Value') && type.fields.value) {
      return checkValue(type.fields.value, value, where, mode, problems);
    }
  }
  if (!isObject(value)) return void problems.push(`${where}: expected an object (${type.name}), got ${JSON.stringify(value)}`);
  const oneofs = new Map<string, string>();
  for (const [key, v] of Object.entries(value)) {
    const field = type.fields[key];
    const at = `${where}.${key}`;
    if (!field) {
      problems.push(`${at}: unknown field of ${type.fullName.slice(1)}${didYouMean(key, Object.keys(type.fields))}`);
      continue;
    }
    if (field.partOf) {
      const other = oneofs.get(field.partOf.name);
      if (other) problems.push(`${at}: ${other} and ${key} both set, but they are one oneof (${field.partOf.name})`);
      oneofs.set(field.partOf.name, key);
    }
    if (field instanceof protobuf.MapField) {
      if (!isObject(v)) problems.push(`${at}: expected a map object`);
      else for (const [k, item] of Object.entries(v)) checkValue(field, item, `${at}["${k}"]`, mode, problems);
    } else if (field.repeated) {
      if (!Array.isArray(v)) problems.push(`${at}: expected a list`);
      else v.forEach((item, i) => checkValue(field, item, `${at}[${i}]`, mode, problems));
    } else checkValue(field, v, at, mode, problems);
  }
}

/** Every problem found decoding value as the message type (empty when it decodes). */
export function decodeProblems(type: protobuf.Type, value: unknown, mode: WalkMode = 'json', where = '$'): string[] {
  const problems: string[] = [];
  walk(type, value, where, mode, problems);
  return problems;
}
