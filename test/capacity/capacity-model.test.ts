/** The capacity model (npm run capacity): its table from the latest bench results, and the Terraform settings it must fit. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { modelCosts } from '../../scripts/capacity/calibration-file';
import { buildModel, deadlineMix, flowsPerDay, operationsOf } from '../../scripts/capacity/model';
import { render } from '../../scripts/capacity/report';
import { connectionsNeeded, FUNCTIONS, readPlans, type EnvPlan } from '../../scripts/capacity/terraform-plan';
import { peakRss, readBench, unitCosts } from '../../scripts/capacity/unit-costs';

let plans: Record<'dev' | 'staging' | 'prod', EnvPlan>;
beforeAll(async () => {
  plans = await readPlans();
});

const model = () => {
  const bench = readBench();
  // As npm run capacity: the bench's figures with the committed calibration's curves (bench/results/calibration.json).
  return buildModel(modelCosts(bench), peakRss(bench), plans);
};

describe('the Terraform plans', () => {
  it("read each function's concurrency from Terraform's own defaults (the deployed shape's front enforces the HTTP one)", () => {
    const variable = (file: string) => readFileSync(path.join(__dirname, '../../terraform/modules', file, 'variables.tf'), 'utf8');
    const declared = (text: string) => Number(/variable "concurrency" \{[^}]*default\s*=\s*(\d+)/.exec(text)![1]);
    for (const env of ['dev', 'staging', 'prod'] as const) {
      expect(plans[env].concurrency['declarations']).toBe(declared(variable('stack')));
      expect(plans[env].concurrency['apply-payment']).toBe(declared(variable('event-function')));
    }
  });
});

describe('the capacity model', () => {
  it('prints load, instances, connections, database CPU, messages and cost for 1×, 10×, 100×, ordinary and deadline', () => {
    const m = model();
    const text = render(m, 'test');
    for (const multiple of [1, 10, 100]) for (const day of ['ordinary', 'annual-deadline']) expect(text).toContain(`| ${multiple}× ${day} |`);
    for (const column of ['requests/day', 'instances', 'open conns', 'DB vCPU', 'Pub/Sub pub/s', 'total USD/month']) expect(text).toContain(column);
    for (const env of ['dev', 'staging', 'prod']) expect(m.costs.filter((c) => c.env === env).map((c) => c.multiple)).toEqual([1, 10, 100]);
  });

  it('grows with the multiple and with the deadline, and every request is costed from the bench', () => {
    const m = model();
    const at = (multiple: number, day: string) => m.scenarios.find((s) => s.multiple === multiple && s.day === day)!;
    expect(at(10, 'ordinary').peakRps).toBeGreaterThan(at(1, 'ordinary').peakRps * 9);
    expect(at(1, 'annual-deadline').requestsPerDay).toBeGreaterThan(at(1, 'ordinary').requestsPerDay * 2);
    expect(at(100, 'annual-deadline').dbCpuCores).toBeGreaterThan(at(10, 'annual-deadline').dbCpuCores * 9);
    const prod = (x: number) => m.costs.find((c) => c.env === 'prod' && c.multiple === x)!.totalUsd;
    expect(prod(100)).toBeGreaterThan(prod(10));
    expect(prod(10)).toBeGreaterThan(prod(1));
    // A deadline day's mix sums to one and has every kind of work in it.
    const mix = deadlineMix();
    expect(Object.values(mix).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    for (const op of ['catalog.read', 'auth.login', 'declaration.create', 'agent.approve', 'payment.create', 'webhook.bange', 'event.notifications'] as const)
      expect(mix[op]).toBeGreaterThan(0);
    // Each payment fans out: one webhook event applied, payment.applied to two subscriptions.
    const { ops } = operationsOf(flowsPerDay('ordinary'));
    expect(ops['event.issue-receipt']).toBeCloseTo(ops['payment.create'], 6);
    expect(ops['event.notify-payer']).toBeCloseTo(ops['payment.create'], 6);
    for (const costs of [unitCosts(readBench()), modelCosts(readBench())])
      for (const [op, c] of Object.entries(costs))
        expect([
          op,
          c.cpuMs > 0 && c.cpu.marginalMs + c.cpu.overheadMsPerS > 0 && Number.isFinite(c.pgCpuMs) && c.pgCpuMs >= 0 && c.pg.marginalMs >= 0,
        ]).toEqual([op, true]);
  });

  it("fits every Terraform environment's max instances × pool size into its database", () => {
    for (const plan of Object.values(plans)) {
      expect(FUNCTIONS.every((fn) => plan.maxInstances[fn]! > 0)).toBe(true);
      expect([plan.name, connectionsNeeded(plan) <= plan.dbMaxConnections]).toEqual([plan.name, true]);
    }
  });

  it("fits the model's 1× needs, deadline included, into prod's settings", () => {
    for (const s of model().scenarios.filter((x) => x.multiple === 1)) {
      for (const [fn, need] of Object.entries(s.functions)) expect([s.day, fn, need.instances <= plans.prod.maxInstances[fn]!]).toEqual([s.day, fn, true]);
      expect(s.openConnections + 10).toBeLessThanOrEqual(plans.prod.dbMaxConnections);
      expect(s.dbCpuCores).toBeLessThanOrEqual(plans.prod.dbVcpu * 0.7);
      for (const l of s.limits) expect([s.day, l.id, l.utilisation < 1]).toEqual([s.day, l.id, true]);
    }
  });
});
