/**
 * The BANGE sandbox as a process of its own, as the real bank is: `npm run start:deployed` starts it
 * and reads its URL from the first line it prints. Settings from the environment: SANDBOX_API_KEY,
 * SANDBOX_WEBHOOK_SECRET, LOG_LEVEL.
 */
import { startBangeSandboxServer } from '../../shared/adapters/bank/sandbox/bange-sandbox-server';
import { SANDBOX_API_KEY, SANDBOX_WEBHOOK_SECRET } from '../../shared/config/config';
import { createLogger } from '../../shared/logging/logger';
import { systemClock } from '../../shared/ports/clock.port';
import { randomIds } from '../../shared/ports/ids.port';

export const SANDBOX_READY = 'BANGE sandbox listening at ';

async function main() {
  const logger = createLogger({ level: process.env.LOG_LEVEL === 'debug' ? 'debug' : 'info' });
  const server = await startBangeSandboxServer({
    apiKey: process.env.SANDBOX_API_KEY ?? SANDBOX_API_KEY,
    webhookSecret: process.env.SANDBOX_WEBHOOK_SECRET ?? SANDBOX_WEBHOOK_SECRET,
    clock: systemClock,
    ids: randomIds,
    logger,
  });
  console.log(`${SANDBOX_READY}${server.url} (API ${server.apiUrl})`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) void main();
