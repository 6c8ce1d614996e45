/** JSON with keys sorted at every level, so the same content always gives the same text (and hash). */

/** Thrown past `maxDepth` levels, before the stack runs out. */
export class NestingTooDeep extends Error {}

export function canonicalJson(value: unknown, maxDepth = Infinity, depth = 0): string {
  if (depth > maxDepth) throw new NestingTooDeep(`nested more than ${maxDepth} levels deep`);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, maxDepth, depth + 1)).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k], maxDepth, depth + 1)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
