/**
 * `npm run capacity`: the load model and what it takes at 1×, 10×, 100× (ordinary day and deadline), from the latest
 * bench results and the Terraform settings; prints the tables and writes them into docs/CAPACITY.md.
 * `-- --rehearse [--rate N] [--seconds S]`: replays the deadline mix on the deployed shape here and compares.
 */
import { buildModel } from './capacity/model';
import { render, writeDoc } from './capacity/report';
import { readPlans } from './capacity/terraform-plan';
import { peakRss, readBench, unitCosts } from './capacity/unit-costs';

async function main() {
  const bench = readBench();
  const costs = unitCosts(bench);
  const model = buildModel(costs, peakRss(bench), await readPlans());
  if (process.argv.includes('--rehearse')) {
    const { rehearse } = await import('./capacity/rehearsal');
    const arg = (name: string, fallback: number) => {
      const i = process.argv.indexOf(name);
      return i > 0 ? Number(process.argv[i + 1]) : fallback;
    };
    const outcome = await rehearse({ rate: arg('--rate', 20), seconds: arg('--seconds', 60), costs, log: (l) => console.log(l) });
    console.log(`\n${outcome.markdown}\n`);
    if (writeDoc(outcome.markdown, '-rehearsal')) console.log('docs/CAPACITY.md rehearsal section updated');
    return;
  }
  const text = render(model, bench.date);
  console.log(text);
  if (writeDoc(text)) console.log('\ndocs/CAPACITY.md updated');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
