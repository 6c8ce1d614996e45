/** `npm start` as a newcomer meets it: no DATABASE_URL, an embedded PostgreSQL, the catalog loaded. */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { findFreePort } from '../shared/adapters/db/embedded-postgres';

const ROOT = path.resolve(__dirname, '..');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs');

interface Started {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function start(env: Record<string, string>): Started {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [TSX, 'scripts/start.ts'], {
    cwd: ROOT,
    env: { ...inherited, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

async function waitFor(started: Started, text: string, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (!started.output().includes(text)) {
    if (Date.now() > until || started.child.exitCode !== null) throw new Error(`did not see "${text}" in:\n${started.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function postgresRunningIn(dataDir: string): boolean {
  return execFileSync('ps', ['-eo', 'args']).toString().includes(path.join(dataDir, 'postgres'));
}

describe('npm start', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'taxasge-start-'));
    chmodSync(dataDir, 0o755);
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves health and the catalog on an embedded PostgreSQL, then drains and stops it', async () => {
    const port = await findFreePort();
    const began = Date.now();
    const app = start({ PORT: String(port), DATA_DIR: dataDir, DEMO_PASSWORD: 'Demo-Passw0rd!' });
    await waitFor(app, 'Press Ctrl-C to stop.');
    const base = `http://127.0.0.1:${port}`;

    expect((await fetch(`${base}/health`)).status).toBe(200);
    const catalog = (await (await fetch(`${base}/api/v1/fiscal-services?limit=5`)).json()) as { items: unknown[]; total: number };
    expect(catalog.items).toHaveLength(5);
    expect(catalog.total).toBe(547);
    expect(Date.now() - began).toBeLessThan(60_000);
    expect(app.output()).toContain(`API docs:   http://localhost:${port}/api/v1/docs`);
    expect(app.output()).toContain('Demo:       20 accounts');
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'admin@demo.taxasge.gq', password: 'Demo-Passw0rd!' }),
    });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const me = (await (await fetch(`${base}/api/v1/auth/me`, { headers: { Authorization: `Bearer ${accessToken}` } })).json()) as { role: string };
    expect(me.role).toBe('admin');

    // A citizen files T-001, uploads a PDF through the signed URL, pays through the sandbox, gets the receipt.
    const json = { 'Content-Type': 'application/json' };
    const citizen = (await (
      await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ email: 'citizen@demo.taxasge.gq', password: 'Demo-Passw0rd!' }),
      })
    ).json()) as { accessToken: string };
    const as = { ...json, Authorization: `Bearer ${citizen.accessToken}` };
    const declaration = (await (
      await fetch(`${base}/api/v1/declarations`, {
        method: 'POST',
        headers: as,
        body: JSON.stringify({ kind: 'service_fee', serviceCode: 'T-001', feeType: 'expedition' }),
      })
    ).json()) as { id: string; amount: number };
    expect(declaration.amount).toBe(2000);
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n');
    const slot = (await (
      await fetch(`${base}/api/v1/declarations/${declaration.id}/documents`, {
        method: 'POST',
        headers: as,
        body: JSON.stringify({ filename: 'id.pdf', contentType: 'application/pdf', size: pdf.length }),
      })
    ).json()) as { upload: { url: string; headers: Record<string, string> } };
    expect((await fetch(slot.upload.url, { method: 'PUT', headers: slot.upload.headers, body: pdf })).status).toBeLessThan(300);
    const docs = (await (await fetch(`${base}/api/v1/declarations/${declaration.id}/documents`, { headers: as })).json()) as { items: { uploaded: boolean }[] };
    expect(docs.items).toEqual([expect.objectContaining({ uploaded: true })]);
    const payment = (await (
      await fetch(`${base}/api/v1/payments`, {
        method: 'POST',
        headers: { ...as, 'Idempotency-Key': 'e2e-1' },
        body: JSON.stringify({ declarationId: declaration.id, method: 'bange_wallet' }),
      })
    ).json()) as { id: string; checkoutUrl: string };
    expect((await fetch(`${payment.checkoutUrl}/pay`, { method: 'POST' })).status).toBeLessThan(300);
    let receipt: Response | undefined;
    for (let i = 0; i < 50 && receipt?.status !== 200; i++) {
      if (i) await new Promise((r) => setTimeout(r, 100));
      receipt = await fetch(`${base}/api/v1/payments/${payment.id}/receipt`, { headers: as });
    }
    expect(receipt!.status).toBe(200);
    expect(((await receipt!.json()) as { number: string }).number).toMatch(/^REC-/);
    expect(app.output()).not.toContain('Demo-Passw0rd!');
    expect(postgresRunningIn(dataDir)).toBe(true);

    app.child.kill('SIGTERM');
    expect(await app.exit).toBe(0);
    expect(app.output()).toContain('SIGTERM received: draining requests');
    expect(postgresRunningIn(dataDir)).toBe(false);
  }, 90_000);

  it('keeps its data across restarts', async () => {
    const port = await findFreePort();
    const app = start({ PORT: String(port), DATA_DIR: dataDir });
    await waitFor(app, 'Press Ctrl-C to stop.');
    expect(app.output()).toContain('migrations at head (0 applied now)');
    app.child.kill('SIGINT');
    expect(await app.exit).toBe(0);
  }, 90_000);

  it('starts its embedded PostgreSQL again when it dies under the running server, data intact', async () => {
    const port = await findFreePort();
    const app = start({ PORT: String(port), DATA_DIR: dataDir });
    await waitFor(app, 'Press Ctrl-C to stop.');
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);

    const postmaster = Number(readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(postmaster, 'SIGKILL');
    await waitFor(app, 'embedded PostgreSQL restarted', 30_000);
    expect(app.output()).toContain('embedded PostgreSQL exited unexpectedly: restarting it');
    // The pool's next connections reach the new postmaster: no restart of the server was needed.
    let ready = 0;
    for (let i = 0; i < 100 && ready !== 200; i++) {
      if (i) await new Promise((r) => setTimeout(r, 100));
      ready = (await fetch(`${base}/health/ready`)).status;
    }
    expect(ready).toBe(200);
    // What the first start stored (the demo accounts) survived the crash.
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'admin@demo.taxasge.gq', password: 'Demo-Passw0rd!' }),
    });
    expect(login.status).toBe(200);

    app.child.kill('SIGTERM');
    expect(await app.exit).toBe(0);
    expect(postgresRunningIn(dataDir)).toBe(false);
  }, 90_000);

  it('listens on loopback only by default, and stops within 5 s of SIGTERM even after its PostgreSQL died', async () => {
    const port = await findFreePort();
    const app = start({ PORT: String(port), DATA_DIR: dataDir });
    await waitFor(app, 'Press Ctrl-C to stop.');
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    // HOST defaults to 127.0.0.1: the machine's other addresses do not answer.
    const outside = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && !a.internal && a.family === 'IPv4');
    if (outside) await expect(fetch(`http://${outside.address}:${port}/health`)).rejects.toThrow();

    // The embedded PostgreSQL dies under the running server.
    const postmaster = Number(readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(postmaster, 'SIGKILL');
    while (postgresRunningIn(dataDir)) await new Promise((r) => setTimeout(r, 50));

    // A client holds a connection with a request it never finishes sending.
    const slow = connect(port, '127.0.0.1');
    slow.on('error', () => undefined);
    await new Promise<void>((resolve) => slow.once('connect', resolve));
    slow.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n');

    const began = Date.now();
    app.child.kill('SIGTERM');
    const code = await app.exit;
    slow.destroy();
    expect(Date.now() - began).toBeLessThan(5000);
    expect(code).toBe(0);
    expect(app.output()).toMatch(/event bus (drained|: \d+ deliveries unfinished)/);
    // Skipped when still dead at the stop; stopped normally if its restart (1 s after the death) came first.
    expect(app.output()).toMatch(/embedded PostgreSQL had already stopped|embedded PostgreSQL restarted/);
    expect(app.output()).toContain('"message":"stopped"');
  }, 90_000);

  it('refuses bad configuration at start, listing every problem', async () => {
    const app = start({ PORT: 'eighty', LOG_LEVEL: 'loud', DATA_DIR: dataDir });
    expect(await app.exit).toBe(1);
    expect(app.output()).toContain('PORT: expected a whole number between 1 and 65535');
    expect(app.output()).toContain('LOG_LEVEL:');
  });
});
