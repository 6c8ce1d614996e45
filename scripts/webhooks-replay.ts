/**
 * `npm run webhooks:replay -- [--failed-only]`: replays every open dead letter and resolves again the
 * stored webhooks that were not applied. Without --failed-only it also says how much it looked at.
 */
import { getEventBus } from '../shared/runtime/events';
import { getReplayService } from '../shared/runtime/payments';
import { jobConfig, runMain, withRuntime, type Out } from './local/command';

/** The command line replays as nobody in particular: the audit log says it came from the CLI. */
const CLI = { actorId: null, via: 'cli' } as const;

export async function runWebhooksReplay(args: string[], env: Record<string, string | undefined>, out: Out): Promise<number> {
  const config = jobConfig(env, out);
  if (!config) return 1;
  return withRuntime(config, async () => {
    const replay = getReplayService();
    const dead = await replay.listDeadLetters(true, 1000);
    for (const d of dead) {
      await replay.replayDeadLetter(d.id, CLI);
      out(`dead letter ${d.id} (${d.subscription}, ${d.type}) replayed`);
    }
    const failed = await replay.listWebhooks('failed', 1000);
    for (const w of failed.filter((x) => !x.replayedAt)) out(`webhook ${w.id} (${w.status}): ${await replay.replayWebhook(w.id, CLI)}`);
    if (!args.includes('--failed-only')) out(`${dead.length} dead letter(s) and ${failed.length} failed webhook(s) looked at`);
    await getEventBus().drain();
    return 0;
  });
}

if (require.main === module) runMain(runWebhooksReplay);
