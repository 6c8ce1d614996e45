/**
 * The README as a newcomer pastes it: `npm start` on an embedded PostgreSQL (its own DATA_DIR and
 * PORT), then every ```sh block marked `<!-- runnable -->` of README.md and docs/*.md pasted into one
 * bash per document, in order, with nothing but curl and node; B points the blocks at this server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findFreePort } from '../shared/adapters/db/embedded-postgres';

const ROOT = path.resolve(__dirname, '..');
const DOCUMENTS = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const read = (doc: string) => readFileSync(path.join(ROOT, doc), 'utf8');

/** The ```sh blocks right after a `<!-- runnable -->` line. */
export function runnableBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^<!-- runnable -->\n```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

/** Every `npm run <script>` written in a document (fenced or inline). */
function npmScripts(markdown: string): string[] {
  return [...markdown.matchAll(/\bnpm run ([a-z][\w:-]*)/g)].map((m) => m[1]!);
}

function runBash(script: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `set -eu -o pipefail\n${script}`], {
      cwd: tmpdir(),
      env: { ...process.env, ...env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe('the commands of README.md and docs/', () => {
  it("finds the runnable blocks: the README's catalog and payment walk-through, the BANGE sandbox's", () => {
    expect(runnableBlocks(read('README.md'))).toHaveLength(2);
    expect(runnableBlocks(read('docs/BANGE.md'))).toHaveLength(1);
    expect(runnableBlocks('<!-- runnable -->\n```sh\necho one\n```\n\n```sh\necho not marked\n```\n')).toEqual(['echo one\n']);
  });

  it.each(DOCUMENTS)('%s names only npm scripts that exist', (doc) => {
    const scripts = Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts);
    expect(npmScripts(read(doc)).filter((s) => !scripts.includes(s))).toEqual([]);
  });
});

describe('npm start, then the runnable blocks pasted in order', () => {
  let dataDir: string;
  let server: ChildProcess;
  let output = '';
  let base: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'taxasge-readme-'));
    chmodSync(dataDir, 0o755);
    const port = await findFreePort();
    base = `http://localhost:${port}`;
    const { DATABASE_URL: _ignored, ...inherited } = process.env;
    // Its own process group, so that stopping it stops npm, tsx and the server under them.
    server = spawn('npm', ['start'], {
      cwd: ROOT,
      detached: true,
      env: { ...inherited, PORT: String(port), DATA_DIR: dataDir, DEMO_PASSWORD: 'Demo-Passw0rd!' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    server.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const until = Date.now() + 90_000;
    while (!output.includes('Press Ctrl-C to stop.')) {
      if (Date.now() > until || server.exitCode !== null) throw new Error(`npm start did not become ready:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 120_000);

  afterAll(async () => {
    if (server?.pid && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      process.kill(-server.pid, 'SIGTERM');
      await exited;
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('README.md: the catalog, health, then a payment through the sandbox to its receipt', async () => {
    const { code, output: out } = await runBash(runnableBlocks(read('README.md')).join('\n'), { B: base });
    expect({ code, out }).toEqual({ code: 0, out: expect.any(String) });
    expect(out).not.toContain('taxasge.gq/problems/');
    expect(out).toContain('"code":"T-001"');
    expect(out).toContain('"ready":true');
    expect(out).toContain(`${base}/sandbox/bange/checkout/`);
    expect(out.trim().split('\n').at(-1)).toMatch(/^REC-/);
  }, 60_000);

  it('docs/BANGE.md: a sandbox payment paid with duplicate webhooks, its deliveries and the statement', async () => {
    const { code, output: out } = await runBash(runnableBlocks(read('docs/BANGE.md')).join('\n'), { B: base });
    expect({ code, out }).toEqual({ code: 0, out: expect.any(String) });
    expect(out).not.toMatch(/"error":\{/);
    expect(out).toContain(`${base}/sandbox/bange/checkout/`);
    expect(out).toContain('"reference":"PAY-TRY-1"');
  }, 60_000);
});
