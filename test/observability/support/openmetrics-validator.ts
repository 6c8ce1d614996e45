/**
 * A strict reader of OpenMetrics 1.0 text, for the rules Prometheus's own parser leaves unchecked:
 * sample names per type, units as name suffixes, histogram buckets (ascending, cumulative, +Inf =
 * _count), unique series, no interleaved families, `# EOF` last. Throws listing every problem.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  type: string;
  unit?: string;
  help?: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const NUMBER = /^(?:[+-]?Inf|NaN|[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)$/;
const SUFFIXES: Record<string, string[]> = {
  counter: ['_total', '_created'],
  gauge: [''],
  histogram: ['_bucket', '_count', '_sum', '_created'],
  unknown: [''],
};

function parseNumber(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/** `{a="x",b="y\"z"}` → labels; throws on bad syntax or escapes. */
function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    const name = text.slice(i, eq);
    if (eq < 0 || !LABEL.test(name)) throw new Error(`bad label name at "${text.slice(i)}"`);
    if (name in labels) throw new Error(`label ${name} repeated`);
    if (text[eq + 1] !== '"') throw new Error(`label ${name}: value must be quoted`);
    let j = eq + 2;
    let value = '';
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        const next = text[++j];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new Error(`label ${name}: bad escape \\${next ?? ''}`);
      } else value += text[j];
    }
    if (text[j] !== '"') throw new Error(`label ${name}: unterminated value`);
    labels[name] = value;
    i = j + 1;
    if (i < text.length) {
      if (text[i] !== ',') throw new Error(`expected "," after label ${name}`);
      i++;
    }
  }
  return labels;
}

export function parseOpenMetrics(text: string): Map<string, Family> {
  const problems: string[] = [];
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  const seriesSeen = new Set<string>();
  let current: string | undefined;
  if (!text.endsWith('# EOF\n') && !text.endsWith('# EOF')) problems.push('the text must end with "# EOF"');
  const lines = text.replace(/\n$/, '').split('\n');
  lines.forEach((line, index) => {
    const where = `line ${index + 1}`;
    if (line === '# EOF') {
      if (index !== lines.length - 1) problems.push(`${where}: "# EOF" must be the last line`);
      return;
    }
    const meta = /^# (TYPE|UNIT|HELP) (\S+)(?: (.*))?$/.exec(line);
    if (line.startsWith('#')) {
      if (!meta) return void problems.push(`${where}: unknown comment "${line}"`);
      const [, kind, name = '', rest = ''] = meta;
      if (!NAME.test(name)) return void problems.push(`${where}: bad metric name ${name}`);
      if (name !== current) {
        if (families.has(name)) return void problems.push(`${where}: family ${name} appears twice or interleaved`);
        if (current) closed.add(current);
        families.set(name, { type: 'unknown', samples: [] });
        current = name;
      }
      const family = families.get(name)!;
      if (family.samples.length) return void problems.push(`${where}: ${kind} of ${name} after its samples`);
      if (kind === 'TYPE') {
        if (!(rest in SUFFIXES)) problems.push(`${where}: type ${rest} is not one this exporter writes`);
        family.type = rest;
      } else if (kind === 'UNIT') {
        if (!name.endsWith(`_${rest}`)) problems.push(`${where}: ${name} has unit ${rest} but does not end with _${rest}`);
        family.unit = rest;
      } else family.help = rest;
      return;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) return void problems.push(`${where}: not a sample line: "${line}"`);
    const [, name = '', labelText = '', valueText = ''] = sample;
    const family = current ? families.get(current) : undefined;
    if (!current || !family) return void problems.push(`${where}: sample ${name} before any # TYPE`);
    if (!SUFFIXES[family.type]!.some((s) => name === current + s))
      return void problems.push(`${where}: ${name} is not a sample name of ${family.type} ${current}`);
    if (!NUMBER.test(valueText)) return void problems.push(`${where}: bad value ${valueText}`);
    let labels: Record<string, string>;
    try {
      labels = parseLabels(labelText);
    } catch (err) {
      return void problems.push(`${where}: ${(err as Error).message}`);
    }
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seriesSeen.has(key)) problems.push(`${where}: series ${name}${labelText ? `{${labelText}}` : ''} repeated`);
    seriesSeen.add(key);
    const value = parseNumber(valueText);
    if (family.type === 'counter' && !(value >= 0)) problems.push(`${where}: counter ${name} is ${valueText}`);
    family.samples.push({ name, labels, value });
  });
  for (const [name, family] of families) if (family.type === 'histogram') problems.push(...histogramProblems(name, family));
  if (problems.length) throw new Error(`invalid OpenMetrics:\n  ${problems.join('\n  ')}`);
  return families;
}

function histogramProblems(name: string, family: Family): string[] {
  const problems: string[] = [];
  const groups = new Map<string, { buckets: [number, number][]; count?: number; sum?: number }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const g = groups.get(key) ?? { buckets: [] };
    groups.set(key, g);
    if (s.name.endsWith('_bucket')) {
      if (le === undefined || !NUMBER.test(le)) problems.push(`${name}: bucket without a numeric le`);
      else g.buckets.push([parseNumber(le), s.value]);
    } else if (s.name.endsWith('_count')) g.count = s.value;
    else if (s.name.endsWith('_sum')) g.sum = s.value;
  }
  for (const [key, g] of groups) {
    const last = g.buckets[g.buckets.length - 1];
    if (!last || last[0] !== Infinity) problems.push(`${name}${key}: no le="+Inf" bucket last`);
    g.buckets.forEach(([le, v], i) => {
      const prev = g.buckets[i - 1];
      if (prev && !(le > prev[0])) problems.push(`${name}${key}: le values must increase`);
      if (prev && v < prev[1]) problems.push(`${name}${key}: buckets must be cumulative`);
    });
    if (g.count === undefined || (last && g.count !== last[1])) problems.push(`${name}${key}: _count must equal the +Inf bucket`);
    if (g.sum === undefined) problems.push(`${name}${key}: _sum missing`);
  }
  return problems;
}
