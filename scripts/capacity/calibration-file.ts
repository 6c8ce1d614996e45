/**
 * The calibration's results (bench/results/calibration.json, written by `npm run capacity -- --calibrate`) and how the
 * model reads them: each operation's measured points become its cost curves (cost-curve.ts), the bench's saturated
 * figure as their floor.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fitCurve, flat } from './cost-curve';
import { OPERATIONS, type Operation } from './flows';
import { unitCosts, type BenchResults, type UnitCost } from './unit-costs';

/** One operation driven alone at one rate: what its function spent per request (and PostgreSQL, for what was driven). */
export interface CalibrationSample {
  op: Operation;
  fn: string;
  /** Requests (or deliveries) a second the function's one instance served in the window. */
  rate: number;
  requests: number;
  seconds: number;
  cpuMsPerRequest: number;
  /** PostgreSQL per request of what was driven, including the event deliveries it set off in the window; null for those deliveries. */
  pgCpuMsPerRequest: number | null;
  /** Requests and deliveries a second that reached PostgreSQL in the window (what its curve is fitted against). */
  dbRate?: number;
}

export interface CalibrationResults {
  date: string;
  machine: { nproc: number; cpuModel: string; loadBefore: number[]; loadAfter: number[] };
  postgres: string;
  /** Median CPU ms of contention.ts's fixed work while the windows ran: how dear CPU was on the shared machine. */
  probeCpuMs?: number;
  /** What each function and PostgreSQL burnt a second idle, taken off every window (ms/s). */
  idleMsPerS: Record<string, number>;
  samples: CalibrationSample[];
}

export const CALIBRATION_FILE = path.resolve(__dirname, '../../bench/results/calibration.json');

export function readCalibration(file = CALIBRATION_FILE): CalibrationResults | null {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as CalibrationResults) : null;
}

/**
 * The unit costs with the calibration's curves: for each operation it measured, CPU and PostgreSQL per request as
 * marginal + overhead / rate (CPU against its instance's rate, PostgreSQL against the database's), never below the
 * bench's figure. An event consumer's PostgreSQL is counted in the request
 * that set it off (the payment flow's in webhook.bange), so its own is zero. Operations it did not measure stay flat.
 */
export function applyCalibration(costs: Record<Operation, UnitCost>, calibration: CalibrationResults): Record<Operation, UnitCost> {
  const out = { ...costs };
  const pgOfEventsMeasured = calibration.samples.some((s) => s.op === 'webhook.bange' && s.pgCpuMsPerRequest !== null);
  for (const op of Object.keys(OPERATIONS) as Operation[]) {
    const mine = calibration.samples.filter((s) => s.op === op && s.requests > 0);
    if (mine.length === 0) continue;
    const cpu = fitCurve(
      mine.map((s) => ({ rate: s.rate, ms: s.cpuMsPerRequest })),
      costs[op].cpuMs,
    );
    // PostgreSQL's noise is its own upkeep arriving in bursts (autovacuum, checkpoints): a window's error is the same
    // few tens of ms whatever it served, so a point's error is that over its requests — weighted by requests².
    const pgPoints = mine
      .filter((s) => s.pgCpuMsPerRequest !== null)
      .map((s) => ({ rate: s.dbRate ?? s.rate, ms: s.pgCpuMsPerRequest!, weight: s.requests ** 2 }));
    const eventPgElsewhere = op.startsWith('event.') && pgOfEventsMeasured;
    const pg = eventPgElsewhere ? flat(0) : pgPoints.length ? fitCurve(pgPoints, costs[op].pgCpuMs) : costs[op].pg;
    out[op] = {
      ...costs[op],
      cpu,
      pg,
      source: `calibrated ${calibration.date.slice(0, 10)} at ${mine.map((s) => `${s.rate.toFixed(1)}/s`).join(', ')}${eventPgElsewhere ? ' (its PostgreSQL counted in webhook.bange)' : ''}; floor: ${costs[op].source}`,
    };
  }
  return out;
}

/** What `npm run capacity` costs the model with: the bench's figures, with the calibration's curves when there is one. */
export function modelCosts(bench: BenchResults, calibration = readCalibration()): Record<Operation, UnitCost> {
  return calibration ? applyCalibration(unitCosts(bench), calibration) : unitCosts(bench);
}
