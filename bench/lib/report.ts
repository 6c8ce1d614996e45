/** The one table: every figure beside its same-run baseline, as a ratio, with p50/p95/p99 and its target; printed, saved as JSON and written into docs/PERFORMANCE.md. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './processes';

export interface Row {
  figure: string;
  unit: string;
  value: number | null;
  baseline: number | null;
  ratio: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  target: string;
  /** null: informational, no target applies. */
  met: boolean | null;
}

export function row(
  figure: string,
  unit: string,
  value: number | null,
  baseline: number | null,
  latency: { p50: number; p95: number; p99: number } | null,
  target = '',
  met: boolean | null = null,
): Row {
  const ratio = value !== null && baseline ? Math.round((value / baseline) * 100) / 100 : null;
  return { figure, unit, value, baseline, ratio, p50: latency?.p50 ?? null, p95: latency?.p95 ?? null, p99: latency?.p99 ?? null, target, met };
}

const fmt = (n: number | null) => (n === null || Number.isNaN(n) ? '-' : n >= 1000 ? Math.round(n).toLocaleString('en-US') : String(n));
const verdict = (met: boolean | null) => (met === null ? '' : met ? 'met' : 'MISSED');

export function formatTable(rows: Row[], markdown = false): string {
  const header = ['figure', 'unit', 'value', 'baseline', 'ratio', 'p50 ms', 'p95 ms', 'p99 ms', 'target', ''];
  const cells = rows.map((r) => [
    r.figure,
    r.unit,
    fmt(r.value),
    fmt(r.baseline),
    r.ratio === null ? '-' : `${r.ratio}×`,
    fmt(r.p50),
    fmt(r.p95),
    fmt(r.p99),
    r.target || '-',
    verdict(r.met),
  ]);
  if (markdown) {
    const line = (c: string[]) => `| ${c.join(' | ')} |`;
    return [
      line(header.map((h) => h || 'verdict')),
      line(header.map((_, i) => (i >= 2 && i <= 7 ? '--:' : '---'))),
      ...cells.map((c) => line(c.map((x, i) => (i === 9 && x === 'MISSED' ? '**MISSED**' : x)))),
    ].join('\n');
  }
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((x, i) => (i >= 2 && i <= 7 ? x.padStart(widths[i]!) : x.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export const RESULTS_FILE = path.join(ROOT, 'bench/results/latest.json');
export const PERFORMANCE_DOC = path.join(ROOT, 'docs/PERFORMANCE.md');
const BEGIN = '<!-- bench:begin (written by npm run bench from bench/results/latest.json) -->';
const END = '<!-- bench:end -->';

export function writeResults(results: unknown, file = RESULTS_FILE): void {
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}

/** Replaces the generated part of docs/PERFORMANCE.md (between its markers); the analysis around it is written by hand. */
export function writePerformanceDoc(generated: string): boolean {
  if (!existsSync(PERFORMANCE_DOC)) return false;
  const doc = readFileSync(PERFORMANCE_DOC, 'utf8');
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (begin < 0 || end < begin) return false;
  writeFileSync(PERFORMANCE_DOC, `${doc.slice(0, begin + BEGIN.length)}\n${generated.trim()}\n${doc.slice(end)}`);
  return true;
}
