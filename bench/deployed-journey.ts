/**
 * `npm run bench:deployed`: a payment's whole journey in the deployed shape (scripts/deployed/: every
 * function its own process, Pub/Sub on the emulator with the topology's push subscriptions, the
 * hosting proxy in front): signed BANGE webhooks sent to the public origin at `--rate` per second
 * (default 50) for `--seconds` (default 20), each timed from the instant it was due to the moment
 * its payment is succeeded, its declaration paid and its receipt stored (the database watched every
 * 5 ms), then the CPU every process spent per applied payment: each function, the emulator and the
 * proxy (every process this one started, from /proc), and PostgreSQL (a cluster of the bench's own).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDatabase } from '../shared/adapters/db/database';
import { findFreePort } from '../shared/adapters/db/embedded-postgres';
import { startDeployedShape } from '../scripts/deployed/deployed-shape';
import { openBenchDatabase } from './lib/database';
import { createIdentity, insertPendingPayments, signedWebhook, type PendingPayment } from './lib/fixtures';
import { processCpuMs, summarise } from './lib/load';
import { startOwnCluster } from './lib/own-cluster';
import { postWebhook } from './lib/webhooks';

const option = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const RATE = Number(option('rate') ?? 50);
const SECONDS = Number(option('seconds') ?? 20);
const log = (line: string) => console.log(line);

/** Every live process descended from this one (pid → CPU ms), read from /proc. */
function descendantsCpu(): Map<number, number> {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone
    }
  }
  const out = new Map<number, number>();
  for (const pid of parent.keys()) {
    for (let p: number | undefined = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === process.pid) {
        out.set(pid, processCpuMs(pid) ?? 0);
        break;
      }
    }
  }
  return out;
}

async function main() {
  const cluster = await startOwnCluster({ port: await findFreePort() });
  const database = await openBenchDatabase(cluster.adminUrl, log);
  const db = createDatabase({ connectionString: database.url, max: 3, statementTimeoutMs: 60_000 });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'taxasge-deployed-bench-'));
  let shape: Awaited<ReturnType<typeof startDeployedShape>> | undefined;
  const problems = new Map<string, number>();
  try {
    const identity = await createIdentity(db);
    const total = Math.round(RATE * SECONDS);
    const warm = 40;
    const pending = await insertPendingPayments(db, identity.accounts.bulk.id, total + warm, 'dep');
    await db.query('VACUUM ANALYZE');
    // No scheduled jobs on their cron: what is measured is the payments' journey only. Errors the functions log are counted.
    shape = await startDeployedShape({
      dataDir,
      instances: 1,
      cron: false,
      databaseUrl: database.url,
      distDir: path.join(dataDir, 'dist'),
      logLevel: 'error',
      extraEnv: { RATE_LIMIT_PUBLIC_PER_MINUTE: '1000000', AUTH_SIGNING_KEYS: identity.signingKeysEnv },
      log,
      onProcessLine: (source, line) => {
        if (!/"severity":"(ERROR|WARNING)"/.test(line)) return;
        const message = /"message":"([^"]{0,120})/.exec(line)?.[1] ?? line.slice(0, 120);
        const key = `${source.split('#')[0]}: ${message}`;
        problems.set(key, (problems.get(key) ?? 0) + 1);
      },
    });
    const port = Number(new URL(shape.url).port);
    const agent = new Agent({ keepAlive: true, maxSockets: 256 });
    const send = (eventId: string, p: PendingPayment) => {
      const { body, signature } = signedWebhook(eventId, p);
      return postWebhook(port, agent, body, signature);
    };
    const receipted = async (ids: string[]) =>
      (
        await db.query<{ id: string }>(
          `SELECT p.id FROM payments p JOIN declarations d ON d.id = p.declaration_id JOIN receipts r ON r.payment_id = p.id
            WHERE p.id = ANY($1) AND p.status = 'succeeded' AND d.status IN ('paid', 'completed')`,
          [ids],
        )
      ).rows.map((r) => r.id);

    // Warm-up: each function's first deliveries (connections, prepared statements, compiled paths).
    await Promise.all(pending.slice(total).map((p, i) => send(`evt_dep_warm_${i}`, p)));
    for (let i = 0; i < 200 && (await receipted(pending.slice(total).map((p) => p.paymentId))).length < warm; i++) await new Promise((r) => setTimeout(r, 100));

    const functionIds = readdirSync(path.join(dataDir, 'dist', 'functions'));
    const functionPids = new Map(functionIds.flatMap((id) => shape!.instancesOf(id).map((f) => [f.child.pid!, id] as const)));
    const cpu0 = descendantsCpu();
    const pg0 = cluster.cpuMs();
    const due = new Map<string, number>();
    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    const start = performance.now();
    let watching = true;
    const watcher = (async () => {
      while (watching || due.size) {
        const waiting = [...due.keys()];
        if (waiting.length) {
          const done = await receipted(waiting);
          const now = performance.now();
          for (const id of done) {
            latencies.push(now - due.get(id)!);
            due.delete(id);
          }
        }
        if (!watching && performance.now() - start > (SECONDS + 60) * 1000) break;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await new Promise<void>((resolve) => {
      let sent = 0;
      const timer = setInterval(() => {
        const upTo = Math.min(total, Math.floor(((performance.now() - start) * RATE) / 1000) + 1);
        while (sent < upTo) {
          const i = sent++;
          const p = pending[i]!;
          due.set(p.paymentId, start + (i * 1000) / RATE);
          void send(`evt_dep_${i}`, p).then((s) => (statuses[s] = (statuses[s] ?? 0) + 1));
        }
        if (sent >= total) {
          clearInterval(timer);
          resolve();
        }
      }, 1);
    });
    watching = false;
    await watcher;
    agent.destroy();
    const cpu1 = descendantsCpu();
    const pgMs = cluster.cpuMs() - pg0;
    const applied = latencies.length;
    const byProcess = new Map<string, number>();
    for (const [pid, ms] of cpu1) {
      const before = cpu0.get(pid) ?? 0;
      const name =
        functionPids.get(pid) ??
        (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'java' ? 'Pub/Sub emulator' : `other (${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()})`);
      byProcess.set(name, (byProcess.get(name) ?? 0) + ms - before);
    }
    byProcess.set('PostgreSQL (own cluster)', pgMs);
    const summary = summarise(latencies);
    const cpuTotal = [...byProcess.values()].reduce((a, b) => a + b, 0);
    log(
      `\ndeployed shape, ${RATE}/s for ${SECONDS} s: ${applied} of ${total} payments succeeded, paid and receipted (${total - applied} not within 60 s); webhook answers ${JSON.stringify(statuses)}`,
    );
    log(`webhook due → receipt stored: p50 ${summary.p50} ms, p95 ${summary.p95} ms, p99 ${summary.p99} ms, max ${summary.max} ms`);
    log(`CPU per applied payment, every process: ${(cpuTotal / applied).toFixed(2)} ms`);
    for (const [name, ms] of [...byProcess].sort((a, b) => b[1] - a[1])) if (ms > 0) log(`  ${name.padEnd(28)} ${(ms / applied).toFixed(3).padStart(8)} ms`);
    // Where the time goes between the functions: webhook stored → apply-payment started → receipt stored (the database's own clocks).
    const { rows: hops } = await db.query<{ hop: string; p50: number; p95: number }>(
      `WITH t AS (
         SELECT w.received_at AS received, a.processed_at AS applying, r.issued_at AS issued
           FROM webhook_events w
           JOIN event_outbox o ON o.topic = 'payment-events' AND o.event -> 'data' ->> 'webhookEventId' = w.id
           JOIN processed_events a ON a.subscription = 'apply-payment' AND a.event_id = o.id::text
           JOIN receipts r ON r.payment_id = w.payment_id
          WHERE w.id LIKE 'evt_dep_%' AND w.id NOT LIKE 'evt_dep_warm%'
       )
       SELECT 'webhook stored → apply-payment started' AS hop, percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM applying - received)) * 1000 AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM applying - received)) * 1000 AS p95 FROM t
       UNION ALL
       SELECT 'apply-payment started → receipt stored', percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM issued - applying)) * 1000,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM issued - applying)) * 1000 FROM t`,
    );
    for (const h of hops) log(`  ${h.hop}: p50 ${Math.round(h.p50)} ms, p95 ${Math.round(h.p95)} ms`);
    if (problems.size) log(`warnings and errors the functions logged:\n${[...problems].map(([k, n]) => `  ${n} × ${k}`).join('\n')}`);
    log('(the hosting proxy runs in this process and is not counted; the Pub/Sub emulator stands in for a service that costs the project no CPU)');
  } finally {
    await shape?.close();
    await db.close();
    await database.drop();
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
