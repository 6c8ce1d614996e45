/** `npm run jobs -- <name>`: runs one scheduled job once against DATABASE_URL (or the embedded database). */
import { getEventBus } from '../shared/runtime/events';
import { jobConfig, runMain, withRuntime, type Out } from './local/command';

export async function runJob(args: string[], env: Record<string, string | undefined>, out: Out): Promise<number> {
  const { jobs } = await import('../functions/jobs');
  const name = args[0];
  if (!name || !(name in jobs)) {
    out(`usage: npm run jobs -- <${Object.keys(jobs).join(' | ')}>`);
    return 2;
  }
  const config = jobConfig(env, out);
  if (!config) return 1;
  return withRuntime(config, async (runtime) => {
    out(`${name}: ${JSON.stringify(await jobs[name as keyof typeof jobs]())}`);
    // With the in-process bus the consumers of what the job published run here: the pool stays open until they (and their outbox marks) are done.
    if (runtime.config.eventBus.kind === 'in-process') await getEventBus().drain();
    return 0;
  });
}

if (require.main === module) runMain(runJob);
