/** Reads what the outbox notifier wrote to the mail drop (DATA_DIR/mail): how tests, like developers, open a reset link. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { mailDropOf } from '../../shared/runtime/notifications';
import { getEventBus } from '../../shared/runtime/events';
import type { TestApp } from './test-app';

/** Every message to the address, oldest first, once the bus delivered what was published. */
export async function mailTo(app: TestApp, address: string): Promise<string[]> {
  await getEventBus().drain();
  const folder = mailDropOf(app.runtime.config)!;
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .sort()
    .map((f) => readFileSync(path.join(folder, f), 'utf8'))
    .filter((text) => text.startsWith(`To: ${address}\n`));
}

/** The token of the latest reset link emailed to the address. */
export async function resetTokenFor(app: TestApp, address: string): Promise<string | undefined> {
  const links = (await mailTo(app, address)).flatMap((text) => [...text.matchAll(/#token=([A-Za-z0-9_-]+)/g)].map((m) => m[1]!));
  return links[links.length - 1];
}
