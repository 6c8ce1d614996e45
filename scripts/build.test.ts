/**
 * Builds the deployable folders into a scratch directory and runs them for real: the health
 * function under the functions framework's own CLI, the migration job against an empty database.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEmptyDatabase } from '../test/support/test-database';
import type { Metafile } from 'esbuild';
import { BuildError, buildAll, externalPackages, packageName, type BuildResult } from './build';

const ROOT = path.resolve(__dirname, '..');
const FRAMEWORK = '@google-cloud/functions-framework';
const FRAMEWORK_CLI = path.join(ROOT, 'node_modules', FRAMEWORK, 'build/src/main.js');
// Inside the repository, so a bundle run in place resolves the framework from its node_modules.
const work = path.join(ROOT, `dist-test-${randomBytes(4).toString('hex')}`);
const outDir = path.join(work, 'out');

const functionIds = readdirSync(path.join(ROOT, 'functions')).filter((id) => existsSync(path.join(ROOT, 'functions', id, 'index.ts')));
const sqlFiles = readdirSync(path.join(ROOT, 'migrations')).filter((f) => f.endsWith('.sql'));

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(2000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

let result: BuildResult;
const logged: string[] = [];

beforeAll(async () => {
  result = await buildAll({ outDir, log: (line) => logged.push(line) });
}, 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('buildAll', () => {
  it('writes one deployable folder per function, whose package.json names the framework', () => {
    expect(functionIds.length).toBeGreaterThan(0);
    expect(result.bundles.filter((b) => b.kind === 'function').map((b) => b.id)).toEqual([...functionIds].sort());
    for (const id of functionIds) {
      const dir = path.join(outDir, 'functions', id);
      expect(existsSync(path.join(dir, 'index.js'))).toBe(true);
      const manifest = readJson(path.join(dir, 'package.json'));
      expect(manifest).toMatchObject({ name: `taxasge-${id}`, private: true, main: 'index.js', engines: { node: '22' } });
      const dependencies = manifest.dependencies as Record<string, string>;
      expect(dependencies[FRAMEWORK]).toBe((readJson(path.join(ROOT, 'package.json')).dependencies as Record<string, string>)[FRAMEWORK]);
      // pg's optional native binding is left to its try/catch, never installed.
      expect(dependencies['pg-native']).toBeUndefined();
    }
  });

  it('prints a table of bundles, sizes and externals', () => {
    const table = logged.join('\n');
    for (const id of functionIds) expect(table).toMatch(new RegExp(`^${id}\\s+\\d+\\.\\d\\s+.*${FRAMEWORK}`, 'm'));
  });

  it('writes the hosting page linking to the docs and health', () => {
    const html = readFileSync(path.join(outDir, 'hosting', 'index.html'), 'utf8');
    expect(html).toContain('href="/api/v1/docs"');
    expect(html).toContain('href="/health"');
  });

  it('runs the built health function under the functions framework CLI', async () => {
    const port = await freePort();
    const child: ChildProcess = spawn(
      process.execPath,
      [FRAMEWORK_CLI, '--target=health', `--source=${path.join(outDir, 'functions', 'health')}`, `--port=${port}`],
      {
        env: { PATH: process.env.PATH, ENVIRONMENT: 'test', LOG_LEVEL: 'error', DATABASE_URL: 'postgres://nobody:none@127.0.0.1:1/none' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      let answer: { status: number; body: string } | undefined;
      for (const deadline = Date.now() + 10_000; !answer && Date.now() < deadline; ) {
        if (child.exitCode !== null) throw new Error(`the function exited (${child.exitCode}):\n${output}`);
        answer = await httpGet(`http://127.0.0.1:${port}/health/live`).catch(() => new Promise<undefined>((r) => setTimeout(() => r(undefined), 50)));
      }
      if (!answer) throw new Error(`the function did not answer within 10 s:\n${output}`);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ status: 'ok' });
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('builds the migration job with its SQL, runnable on its own against an empty database', async () => {
    const dir = path.join(outDir, 'migrate');
    expect(readJson(path.join(dir, 'package.json'))).toMatchObject({ main: 'index.js', scripts: { start: 'node index.js up' } });
    expect(readdirSync(path.join(dir, 'migrations')).sort()).toEqual([...sqlFiles].sort());

    // Away from the repository: the job's folder alone must be enough.
    const alone = mkdtempSync(path.join(tmpdir(), 'taxasge-migrate-'));
    const database = await createEmptyDatabase();
    try {
      cpSync(dir, alone, { recursive: true });
      const run = spawnSync(process.execPath, ['index.js', 'up'], {
        cwd: alone,
        env: { PATH: process.env.PATH, ENVIRONMENT: 'production', LOG_LEVEL: 'error', DATABASE_URL: database.url },
        encoding: 'utf8',
        timeout: 15_000,
      });
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
      expect(run.stdout).toContain(`applied ${sqlFiles.length} migration(s)`);
    } finally {
      await database.drop();
      rmSync(alone, { recursive: true, force: true });
    }
  });

  it('fails, naming each problem, on esbuild errors or a heavy SDK bundled inline, and skips a missing migration CLI', async () => {
    const functionsDir = path.join(work, 'bad-functions');
    // A stand-in for the SDK, reached by path so the `external` list cannot catch it.
    const sdk = path.join(work, 'vendor', 'node_modules', 'firebase-admin');
    mkdirSync(sdk, { recursive: true });
    writeFileSync(path.join(sdk, 'index.js'), 'module.exports = { initializeApp() {} };\n');
    mkdirSync(path.join(functionsDir, 'broken'), { recursive: true });
    writeFileSync(path.join(functionsDir, 'broken', 'index.ts'), "import { nothing } from './does-not-exist';\nconsole.log(nothing);\n");
    mkdirSync(path.join(functionsDir, 'inline'), { recursive: true });
    writeFileSync(path.join(functionsDir, 'inline', 'index.ts'), "import '../../vendor/node_modules/firebase-admin/index.js';\n");

    const lines: string[] = [];
    const failure = await buildAll({ outDir: path.join(work, 'out-bad'), functionsDir, migrateEntry: path.join(work, 'no-migrate.ts'), log: (l) => lines.push(l) }).catch(
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(BuildError);
    const message = (failure as BuildError).message;
    expect(message).toMatch(/functions\/broken: esbuild reported 1 error\(s\)[\s\S]*Could not resolve "\.\/does-not-exist"/);
    expect(message).toMatch(/functions\/inline: the bundle would include firebase-admin .* inline; it must stay external/);
    expect(lines.join('\n')).toMatch(/skipping the migration job: .*no-migrate\.ts does not exist/);
  });

  it('refuses an outDir that would overwrite the sources', async () => {
    await expect(buildAll({ outDir: 'shared', log: () => undefined })).rejects.toThrow(/would overwrite the sources/);
  });

  it('reads the externals a bundle requires from the metafile: packages only, no builtins', () => {
    const imports = [
      { path: 'node:crypto', kind: 'require-call', external: true },
      { path: 'util/types', kind: 'require-call', external: true },
      { path: FRAMEWORK, kind: 'require-resolve', external: true },
      { path: '@google-cloud/pubsub', kind: 'dynamic-import', external: true },
      { path: 'firebase-admin/app', kind: 'require-call', external: true },
      { path: 'firebase-admin/firestore', kind: 'require-call', external: true },
      { path: 'pg-native', kind: 'require-call', external: true },
    ] as Metafile['outputs'][string]['imports'];
    const metafile = { inputs: {}, outputs: { 'out/x/index.js': { bytes: 1, inputs: {}, imports, exports: [] } } } as Metafile;
    expect(externalPackages(metafile, path.join(ROOT, 'out/x/index.js'))).toEqual([FRAMEWORK, '@google-cloud/pubsub', 'firebase-admin', 'pg-native']);
    expect(packageName('@scope/name/deep/file.js')).toBe('@scope/name');
  });
});
