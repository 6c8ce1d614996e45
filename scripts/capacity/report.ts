/** The capacity table (printed and written into docs/CAPACITY.md between its markers). */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CalibrationResults } from './calibration-file';
import { costAt } from './cost-curve';
import type { Operation } from './flows';
import { remedy, type CapacityModel } from './model';
import { XAF_PER_USD } from './prices';
import type { UnitCost } from './unit-costs';

export const CAPACITY_DOC = path.resolve(__dirname, '../../docs/CAPACITY.md');

const n = (x: number, digits = 0) => (x >= 100 || digits === 0 ? Math.round(x).toLocaleString('en-US') : x.toFixed(digits));
const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
const table = (header: string[], rows: string[][]) => [line(header), line(header.map((_, i) => (i === 0 ? '---' : '--:'))), ...rows.map(line)].join('\n');

export function scenarioTable(model: CapacityModel): string {
  const header = [
    'scenario',
    'flows/day',
    'requests/day',
    'peak req/s',
    'instances',
    'open conns',
    'busy conns',
    'DB vCPU',
    'tier needed',
    'Pub/Sub pub/s',
    'deliveries/s',
    'Upstash cmd/s',
    'logs GiB/day',
    'first limit (use)',
  ];
  const rows = model.scenarios.map((s) => [
    `${s.multiple}× ${s.day}`,
    n(Object.values(s.flowsPerDay).reduce((a, b) => a + b, 0)),
    n(s.requestsPerDay),
    n(s.peakRps, 1),
    String(s.instances),
    String(s.openConnections),
    n(s.busyConnections, 2),
    n(s.dbCpuCores, 2),
    s.dbTierNeeded,
    n(s.pubsub.publishPerS, 1),
    n(s.pubsub.deliverPerS, 1),
    n(s.upstashPerS, 1),
    n(s.logGibPerDay, 2),
    `${s.first.id} (${Math.round(s.first.utilisation * 100)} %)`,
  ]);
  return table(header, rows);
}

export function instancesTable(model: CapacityModel): string {
  const picks = model.scenarios.filter((s) => s.day !== 'monthly-deadline');
  const fns = Object.keys(picks[0]!.functions);
  const header = ['function', ...picks.map((s) => `${s.multiple}× ${s.day === 'ordinary' ? 'ord.' : 'deadline'}`)];
  return table(
    header,
    fns.map((fn) => [
      fn,
      ...picks.map((s) => {
        const f = s.functions[fn]!;
        return f.instances ? `${f.instances} × ${n(f.perInstanceRps, 1)}/s` : '0';
      }),
    ]),
  );
}

export function costTable(model: CapacityModel): string {
  const header = ['environment', 'multiple', 'DB tier', 'total USD/month', 'total XAF/month', 'biggest items (USD)'];
  const rows = model.costs.map((c) => {
    const top = Object.entries(c.items)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([k, v]) => `${k} ${n(v, 2)}`)
      .join(', ');
    return [c.env, `${c.multiple}×`, c.dbTier, n(c.totalUsd), n(c.totalUsd * XAF_PER_USD), top];
  });
  return table(header, rows);
}

export function decisionsTable(model: CapacityModel): string {
  const picks = model.scenarios.filter((s) => s.day !== 'monthly-deadline');
  const header = ['scenario', 'first limit', 'use', 'next two', 'change that lifts it'];
  return table(
    header,
    picks.map((s) => {
      const next = [...s.limits]
        .sort((a, b) => b.utilisation - a.utilisation)
        .slice(1, 3)
        .map((l) => `${l.id} ${Math.round(l.utilisation * 100)} %`)
        .join(', ');
      return [
        `${s.multiple}× ${s.day}`,
        s.first.what,
        `${n(s.first.used, 2)} / ${n(s.first.limit, 1)} = ${Math.round(s.first.utilisation * 100)} %`,
        next,
        s.first.utilisation >= 0.7 ? remedy(s.first) : 'none needed (under 70 %)',
      ];
    }),
  );
}

/** Each calibrated operation: its measured points, the fitted curve, the bench's floor and the cost at three rates. */
export function calibrationTable(cal: CalibrationResults, costs: Record<Operation, UnitCost>): string {
  const ops = [...new Set(cal.samples.map((s) => s.op))];
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  const header = [
    'operation',
    'function',
    'measured: rate → CPU ms (PostgreSQL ms)',
    'CPU ms = marginal + overhead / r',
    'bench floor',
    'at 1/s',
    'at 10/s',
    'at 100/s',
    'PostgreSQL ms = …',
  ];
  const rows = ops.map((op) => {
    const c = costs[op];
    const points = cal.samples
      .filter((s) => s.op === op)
      .sort((a, b) => a.rate - b.rate)
      .map(
        (s) =>
          `${n(s.rate, 1)}/s → ${s.cpuMsPerRequest.toFixed(2)}${s.pgCpuMsPerRequest === null ? '' : ` (${s.pgCpuMsPerRequest.toFixed(2)} at ${n(s.dbRate ?? s.rate, 1)}/s)`}`,
      )
      .join('; ');
    return [
      op,
      cal.samples.find((s) => s.op === op)?.fn ?? '',
      points,
      `${c.cpu.marginalMs.toFixed(2)} + ${c.cpu.overheadMsPerS.toFixed(1)} / r`,
      c.cpu.floorMs.toFixed(2),
      costAt(c.cpu, 1).toFixed(2),
      costAt(c.cpu, 10).toFixed(2),
      costAt(c.cpu, 100).toFixed(2),
      c.pg.marginalMs === 0 && c.pg.overheadMsPerS === 0 ? 'in webhook.bange' : `${c.pg.marginalMs.toFixed(2)} + ${c.pg.overheadMsPerS.toFixed(1)} / r`,
    ];
  });
  return [
    `Calibration of ${cal.date} (\`npm run capacity -- --calibrate\`, bench/results/calibration.json): ${cal.machine.nproc} cores (${cal.machine.cpuModel}), load average ${load(cal.machine.loadBefore)} before and ${load(cal.machine.loadAfter)} after${
      cal.probeCpuMs ? ` (the fixed work of contention.ts: ${cal.probeCpuMs} ms of CPU)` : ''
    }; PostgreSQL: ${cal.postgres}. Idle burn taken off (ms/s): ${Object.entries(cal.idleMsPerS)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(', ')}.`,
    '',
    table(header, rows),
  ].join('\n');
}

export function render(model: CapacityModel, benchDate: string, calibrationDate?: string): string {
  return [
    `Generated by \`npm run capacity\` from bench/results/latest.json (bench of ${benchDate})${
      calibrationDate ? `, bench/results/calibration.json (calibration of ${calibrationDate})` : ''
    } and terraform/envs/*/main.tf.`,
    '',
    '#### Load and resources (prod settings)',
    '',
    scenarioTable(model),
    '',
    '#### Instances per function × requests a second each (peak second)',
    '',
    instancesTable(model),
    '',
    '#### First limit and the change that lifts it',
    '',
    decisionsTable(model),
    '',
    '#### Monthly cost per environment',
    '',
    costTable(model),
  ].join('\n');
}

const BEGIN = '<!-- capacity:begin (written by npm run capacity) -->';
const END = '<!-- capacity:end -->';

/** Replaces the generated part of docs/CAPACITY.md; the reasoning around it is written by hand. */
export function writeDoc(generated: string, marker = ''): boolean {
  if (!existsSync(CAPACITY_DOC)) return false;
  const begin = BEGIN.replace('capacity:', `capacity${marker}:`);
  const end = END.replace('capacity:', `capacity${marker}:`);
  const doc = readFileSync(CAPACITY_DOC, 'utf8');
  const b = doc.indexOf(begin);
  const e = doc.indexOf(end);
  if (b < 0 || e < b) return false;
  writeFileSync(CAPACITY_DOC, `${doc.slice(0, b + begin.length)}\n${generated.trim()}\n${doc.slice(e)}`);
  return true;
}
