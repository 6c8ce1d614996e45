/** Cost per request as a function of an instance's rate: the fit to calibration points, the model reading a calibration file and sizing with it. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applyCalibration, readCalibration, type CalibrationResults } from '../../scripts/capacity/calibration-file';
import { costAt, fitCurve, flat } from '../../scripts/capacity/cost-curve';
import { buildModel, sizeFunction } from '../../scripts/capacity/model';
import { readPlans } from '../../scripts/capacity/terraform-plan';
import { costsAt, peakRss, readBench, unitCosts, type UnitCost } from '../../scripts/capacity/unit-costs';

describe('fitCurve', () => {
  it('recovers marginal + overhead / rate from exact points', () => {
    // 2 ms a request plus 30 ms a second of an active instance.
    const points = [2, 10, 40].map((rate) => ({ rate, ms: 2 + 30 / rate }));
    const c = fitCurve(points, 0.5);
    expect(c.marginalMs).toBeCloseTo(2, 6);
    expect(c.overheadMsPerS).toBeCloseTo(30, 6);
    expect(costAt(c, 2)).toBeCloseTo(17, 6);
    expect(costAt(c, 1000)).toBeCloseTo(2.03, 6);
  });

  it('is the least-squares line in 1 / rate when the points scatter', () => {
    const c = fitCurve([
      { rate: 1, ms: 12 },
      { rate: 2, ms: 6 },
      { rate: 4, ms: 5 },
    ]);
    // x = 1, 0.5, 0.25: slope = Sxy / Sxx = 2.8333 / 0.29167 = 9.714; intercept = mean(y) − slope · mean(x) = 7.667 − 9.714 · 0.5833 = 2.
    expect(c.overheadMsPerS).toBeCloseTo(9.714, 2);
    expect(c.marginalMs).toBeCloseTo(2, 2);
  });

  it('weights each point: a point of few requests moves the line less', () => {
    const points = [
      { rate: 2, ms: 20, weight: 1 },
      { rate: 10, ms: 4, weight: 100 },
      { rate: 30, ms: 3, weight: 100 },
    ];
    const weighted = fitCurve(points);
    const unweighted = fitCurve(points.map(({ rate, ms }) => ({ rate, ms })));
    // The line through the two heavy points is 2.5 + 15 / r; the light point only nudges it.
    expect(Math.abs(costAt(weighted, 10) - 4)).toBeLessThan(0.5);
    expect(Math.abs(costAt(weighted, 30) - 3)).toBeLessThan(0.5);
    expect(Math.abs(costAt(unweighted, 30) - 3)).toBeGreaterThan(0.5);
    expect(weighted.overheadMsPerS).toBeLessThan(unweighted.overheadMsPerS);
  });

  it('never goes below the bench figure, the cost at saturation', () => {
    const c = fitCurve(
      [
        { rate: 2, ms: 1 + 10 / 2 },
        { rate: 20, ms: 1 + 10 / 20 },
      ],
      1.2,
    );
    expect(costAt(c, 2)).toBeCloseTo(6, 6);
    expect(costAt(c, 10_000)).toBe(1.2);
  });

  it('is flat at the mean when the cost does not fall with the rate, and through the origin when the intercept would be negative', () => {
    const rising = fitCurve([
      { rate: 2, ms: 4 },
      { rate: 20, ms: 6 },
    ]);
    expect(rising).toEqual({ marginalMs: 5, overheadMsPerS: 0, floorMs: 0 });
    const steep = fitCurve([
      { rate: 1, ms: 10 },
      { rate: 10, ms: 0.1 },
    ]);
    expect(steep.marginalMs).toBe(0);
    expect(steep.overheadMsPerS).toBeGreaterThan(9);
    expect(fitCurve([{ rate: 5, ms: 3 }])).toEqual({ marginalMs: 3, overheadMsPerS: 0, floorMs: 0 });
    expect(() => fitCurve([{ rate: 0, ms: 3 }])).toThrow(/no point/);
  });
});

describe('sizeFunction', () => {
  const cost = (marginalMs: number, overheadMsPerS: number): UnitCost => ({
    cpuMs: 0.1,
    pgCpuMs: 0,
    cpu: { marginalMs, overheadMsPerS, floorMs: 0.1 },
    pg: flat(0),
    inflightMs: 0.1,
    dbHoldMs: 0,
    statements: 0,
    source: 'test',
  });

  it('takes each instance at the rate it then serves: more instances, more overhead each', () => {
    // 100 requests/s of 5 ms + 120 ms/s per instance: one instance would need 0.62 core (over 60 %); two need 0.74 (0.37 each).
    const two = sizeFunction([{ rps: 100, cost: cost(5, 120) }], 80, 0);
    expect(two.instances).toBe(2);
    expect(two.cpuCores).toBeCloseTo((100 * (5 + 120 / 50)) / 1000, 6);
    // Without the overhead it is one.
    expect(sizeFunction([{ rps: 100, cost: cost(5, 0) }], 80, 0).instances).toBe(1);
    // No traffic, no instance unless a minimum is kept.
    expect(sizeFunction([{ rps: 0, cost: cost(5, 120) }], 80, 0).instances).toBe(0);
    expect(sizeFunction([{ rps: 0, cost: cost(5, 120) }], 80, 2).instances).toBe(2);
  });

  it('says so when an instance cannot even carry its own overhead', () => {
    expect(() => sizeFunction([{ rps: 100, cost: cost(5, 700) }], 80, 0)).toThrow(/overhead/);
  });
});

describe('the model with a calibration file', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'taxasge-calibration-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const calibration = (): CalibrationResults => ({
    date: '2026-12-04T06:00:00.000Z',
    machine: { nproc: 2, cpuModel: 'test', loadBefore: [1, 1, 1], loadAfter: [1, 1, 1] },
    postgres: 'test',
    idleMsPerS: { 'fiscal-services': 0.5, postgres: 2 },
    samples: [
      // catalog.read: 3 ms + 20 ms/s; PostgreSQL 0.5 ms flat.
      ...[2, 8, 30].map((rate) => ({
        op: 'catalog.read' as const,
        fn: 'fiscal-services',
        rate,
        requests: 20,
        seconds: 5,
        cpuMsPerRequest: 3 + 20 / rate,
        pgCpuMsPerRequest: 0.5,
      })),
      // A payment: 6 requests and deliveries reach PostgreSQL per webhook; 10 ms + 30 ms/s of the database's upkeep.
      ...[1, 3].map((rate) => ({
        op: 'webhook.bange' as const,
        fn: 'webhooks',
        rate,
        requests: 10,
        seconds: 5,
        cpuMsPerRequest: 4 + 6 / rate,
        pgCpuMsPerRequest: 10 + 30 / (6 * rate),
        dbRate: 6 * rate,
      })),
      ...[1, 3].map((rate) => ({
        op: 'event.apply-payment' as const,
        fn: 'apply-payment',
        rate,
        requests: 10,
        seconds: 5,
        cpuMsPerRequest: 9,
        pgCpuMsPerRequest: null,
      })),
    ],
  });

  it('reads the file and fits each measured operation, leaving the others on the bench', () => {
    const file = path.join(dir, 'calibration.json');
    writeFileSync(file, JSON.stringify(calibration()));
    const read = readCalibration(file)!;
    expect(read.samples).toHaveLength(7);
    expect(readCalibration(path.join(dir, 'none.json'))).toBeNull();

    const bench = unitCosts(readBench());
    const costs = applyCalibration(bench, read);
    expect(costs['catalog.read'].cpu.marginalMs).toBeCloseTo(3, 6);
    expect(costs['catalog.read'].cpu.overheadMsPerS).toBeCloseTo(20, 6);
    expect(costs['catalog.read'].cpu.floorMs).toBe(bench['catalog.read'].cpuMs);
    expect(costsAt(costs['catalog.read'], 4).cpuMs).toBeCloseTo(8, 6);
    expect(costsAt(costs['catalog.read'], 4).pgCpuMs).toBeCloseTo(Math.max(0.5, bench['catalog.read'].pgCpuMs), 6);
    // PostgreSQL against the rate of everything that reached it, and taken at the database's rate.
    expect(costs['webhook.bange'].pg.marginalMs).toBeCloseTo(10, 6);
    expect(costs['webhook.bange'].pg.overheadMsPerS).toBeCloseTo(30, 6);
    expect(costsAt(costs['webhook.bange'], 1, 60)).toMatchObject({ cpuMs: 10, pgCpuMs: 10.5 });
    // A consumer's PostgreSQL is in the webhook's (what set it off); its CPU is its own.
    expect(costsAt(costs['event.apply-payment'], 2)).toMatchObject({ cpuMs: 9, pgCpuMs: 0 });
    expect(costs['event.apply-payment'].source).toContain('webhook.bange');
    // Not calibrated: the bench's flat figure.
    expect(costs['auth.me']).toEqual(bench['auth.me']);
    expect(costsAt(costs['auth.me'], 0.1).cpuMs).toBe(bench['auth.me'].cpuMs);
  });

  it('costs the catalog at the per-instance rate of each scenario: dearer per request at 1× than at 100×', async () => {
    const plans = await readPlans();
    const bench = readBench();
    const model = buildModel(applyCalibration(unitCosts(bench), calibration()), peakRss(bench), plans);
    const at = (multiple: number, day: string) => model.scenarios.find((s) => s.multiple === multiple && s.day === day)!.functions['fiscal-services']!;
    const low = at(1, 'ordinary');
    const high = at(100, 'annual-deadline');
    expect(low.cpuCores / low.rps).toBeCloseTo((3 + 20 / low.perInstanceRps) / 1000, 6);
    expect(high.cpuCores / high.rps).toBeCloseTo((3 + 20 / high.perInstanceRps) / 1000, 6);
    expect(high.cpuCores / high.rps).toBeLessThan(low.cpuCores / low.rps);
    expect(high.instances).toBeGreaterThanOrEqual(Math.ceil(high.cpuCores / 0.6));
  });
});
