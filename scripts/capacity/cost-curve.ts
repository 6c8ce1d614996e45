/**
 * Cost per request as a function of the rate one instance serves: cost(r) = marginal + overhead / r, never below the
 * saturated bench figure. `overhead` is what an instance that is serving burns a second whatever it serves (timers,
 * keep-alives, pool upkeep, an event loop waking for one request instead of many, cold caches); `marginal` is what
 * one more request adds. Both are fitted (least squares in 1 / r) to the calibration's points.
 */

export interface CostPoint {
  /** Requests a second the instance served. */
  rate: number;
  /** Measured cost per request, ms. */
  ms: number;
}

export interface CostCurve {
  marginalMs: number;
  overheadMsPerS: number;
  /** The bench's figure at saturation: the cost never goes below it. */
  floorMs: number;
}

const r4 = (n: number) => Math.round(n * 10_000) / 10_000;

/**
 * Least squares of ms = a + b · (1 / rate) with a, b ≥ 0, each point weighted by `weight` (default 1): a negative slope
 * (noise, or a cost that grows with the rate) gives a flat line at the weighted mean; a negative intercept gives a line
 * through the origin. One point: flat.
 */
export function fitCurve(points: (CostPoint & { weight?: number })[], floorMs = 0): CostCurve {
  const usable = points.filter((p) => p.rate > 0 && Number.isFinite(p.ms) && (p.weight ?? 1) > 0);
  if (usable.length === 0) throw new Error('fitCurve: no point with a positive rate and a finite cost');
  const xs = usable.map((p) => 1 / p.rate);
  const ys = usable.map((p) => p.ms);
  const ws = usable.map((p) => p.weight ?? 1);
  const sw = ws.reduce((a, b) => a + b, 0);
  const wmean = (v: number[]) => v.reduce((s, x, i) => s + ws[i]! * x, 0) / sw;
  const mx = wmean(xs);
  const my = wmean(ys);
  const sxx = xs.reduce((s, x, i) => s + ws[i]! * (x - mx) ** 2, 0);
  const sxy = xs.reduce((s, x, i) => s + ws[i]! * (x - mx) * (ys[i]! - my), 0);
  let b = usable.length > 1 && sxx > 0 ? sxy / sxx : 0;
  let a = my - b * mx;
  if (b < 0) {
    b = 0;
    a = my;
  }
  if (a < 0) {
    a = 0;
    b = xs.reduce((s, x, i) => s + ws[i]! * x * ys[i]!, 0) / xs.reduce((s, x, i) => s + ws[i]! * x * x, 0);
  }
  return { marginalMs: r4(Math.max(0, a)), overheadMsPerS: r4(Math.max(0, b)), floorMs: r4(floorMs) };
}

/** The curve at `rate` requests a second of one instance (a rate of zero or less: the marginal cost, no traffic to share the overhead with). */
export function costAt(curve: CostCurve, rate: number): number {
  const fitted = rate > 0 ? curve.marginalMs + curve.overheadMsPerS / rate : curve.marginalMs;
  return Math.max(curve.floorMs, fitted);
}

/** A flat curve: the same cost at every rate (an operation nothing calibrated). */
export const flat = (ms: number): CostCurve => ({ marginalMs: ms, overheadMsPerS: 0, floorMs: ms });
