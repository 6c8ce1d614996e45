/**
 * `npm run webhooks:replay -- [--failed-only]`: replays every open dead letter and resolves again the
 * stored webhooks that were not applied. Without --failed-only it also lists what it left alone.
 */
import { ConfigError, parseConfig } from '../shared/config/config';
import { createLogger } from '../shared/logging/logger';
import { getReplayService } from '../shared/runtime/payments';
import { getEventBus } from '../shared/runtime/events';
import { createRuntime, setRuntime } from '../shared/runtime/runtime';
import { openLocalDatabase } from './local/local-database';

export async function runWebhooksReplay(args: string[], env: Record<string, string | undefined>, out: (line: string) => void): Promise<number> {
  let config;
  try {
    config = parseConfig(env, 'job');
  } catch (err) {
    if (err instanceof ConfigError) {
      out(err.message);
      return 1;
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel });
  const database = await openLocalDatabase(config, logger);
  const runtime = createRuntime({ ...config, databaseUrl: database.url }, { logger });
  setRuntime(runtime);
  try {
    const replay = getReplayService();
    const dead = await replay.listDeadLetters(true, 1000);
    for (const d of dead) {
      await replay.replayDeadLetter(d.id);
      out(`dead letter ${d.id} (${d.subscription}, ${d.type}) replayed`);
    }
    const failed = await replay.listWebhooks('failed', 1000);
    for (const w of failed.filter((x) => !x.replayedAt)) {
      out(`webhook ${w.id} (${w.status}): ${await replay.replayWebhook(w.id)}`);
    }
    if (!args.includes('--failed-only')) out(`${dead.length} dead letter(s) and ${failed.length} failed webhook(s) looked at`);
    await getEventBus().drain();
    return 0;
  } finally {
    setRuntime(undefined);
    await runtime.close();
    await database.stop();
  }
}

if (require.main === module) {
  runWebhooksReplay(process.argv.slice(2), process.env, (line) => console.log(line)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}
