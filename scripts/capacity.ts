/**
 * `npm run capacity`: the load model and what it takes at 1×, 10×, 100× (ordinary day and deadline), from the latest
 * bench results, the calibration and the Terraform settings; prints the tables and writes them into docs/CAPACITY.md.
 * `-- --calibrate`: drives each operation alone at three rates on the deployed shape here and writes
 * bench/results/calibration.json (the model's cost curves).
 * `-- --rehearse [--rate N] [--seconds S]`: replays the deadline mix on the deployed shape here and compares.
 */
import { modelCosts, readCalibration } from './capacity/calibration-file';
import { buildModel } from './capacity/model';
import { calibrationTable, render, writeDoc } from './capacity/report';
import { readPlans } from './capacity/terraform-plan';
import { peakRss, readBench } from './capacity/unit-costs';

async function main() {
  const bench = readBench();
  if (process.argv.includes('--calibrate')) {
    const { calibrate, writeCalibration } = await import('./capacity/calibration');
    writeCalibration(await calibrate({ log: (l) => console.log(l) }));
    console.log('bench/results/calibration.json written');
  }
  const calibration = readCalibration();
  const costs = modelCosts(bench, calibration);
  const model = buildModel(costs, peakRss(bench), await readPlans());
  if (calibration) {
    const text = calibrationTable(calibration, costs);
    console.log(`${text}\n`);
    if (writeDoc(text, '-calibration')) console.log('docs/CAPACITY.md calibration section updated\n');
  }
  if (process.argv.includes('--rehearse')) {
    const { rehearse } = await import('./capacity/rehearsal');
    const arg = (name: string, fallback: number) => {
      const i = process.argv.indexOf(name);
      return i > 0 ? Number(process.argv[i + 1]) : fallback;
    };
    const outcome = await rehearse({
      rate: arg('--rate', 20),
      seconds: arg('--seconds', 60),
      costs,
      calibrationProbeCpuMs: calibration?.probeCpuMs,
      log: (l) => console.log(l),
    });
    console.log(`\n${outcome.markdown}\n`);
    if (writeDoc(outcome.markdown, '-rehearsal')) console.log('docs/CAPACITY.md rehearsal section updated');
    return;
  }
  const text = render(model, bench.date, calibration?.date);
  console.log(text);
  if (writeDoc(text)) console.log('\ndocs/CAPACITY.md updated');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
