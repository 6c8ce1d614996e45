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
import { build as esbuild } from 'esbuild';
import { asciiOnly, BuildError, buildAll, deployedNodeOptions, externalPackages, LOADER_JS, packageName, pgNotOnCloudflare, type BuildResult } from './build';

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

/** Starts a built function under the functions framework's CLI, GETs `urlPath` once it answers, and stops it. */
async function runFunction(id: string, urlPath: string, env: NodeJS.ProcessEnv): Promise<{ status: number; body: string }> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [FRAMEWORK_CLI, `--target=${id}`, `--source=${path.join(outDir, 'functions', id)}`, `--port=${port}`], {
    // An address nothing listens on, not a credential (the secret scan would otherwise report it).
    env: { PATH: process.env.PATH, ENVIRONMENT: 'test', LOG_LEVEL: 'error', DATABASE_URL: 'postgres://nobody:none@127.0.0.1:1/none', ...env }, // secretlint-disable-line
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    let answer: { status: number; body: string } | undefined;
    for (const deadline = Date.now() + 10_000; !answer && Date.now() < deadline;) {
      if (child.exitCode !== null) throw new Error(`the function exited (${child.exitCode}):\n${output}`);
      answer = await httpGet(`http://127.0.0.1:${port}${urlPath}`).catch(() => new Promise<undefined>((r) => setTimeout(() => r(undefined), 50)));
    }
    if (!answer) throw new Error(`the function did not answer within 10 s:\n${output}`);
    return answer;
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

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

  it('gives each function a loader, its bundle and a code cache for every NODE_OPTIONS Terraform deploys with', () => {
    const flagSets = [...new Set(Object.values(deployedNodeOptions()))];
    expect(flagSets).toContain('--max-semi-space-size=4');
    for (const b of result.bundles.filter((x) => x.kind === 'function')) {
      expect(readFileSync(path.join(b.dir, 'index.js'), 'utf8')).toBe(LOADER_JS);
      expect(readFileSync(path.join(b.dir, 'bundle.js'), 'utf8')).toContain('//# sourceMappingURL=bundle.js.map');
      expect(b.codeCaches.map((c) => c.nodeOptions)).toEqual(flagSets);
      for (const cache of b.codeCaches) {
        expect(cache).toMatchObject({ ran: true, file: expect.stringMatching(/^bundle\.[0-9a-f]{8}\.cache$/) });
        expect(cache.bytes).toBeGreaterThan(100_000);
        expect(existsSync(path.join(b.dir, cache.file))).toBe(true);
      }
    }
    expect(result.bundles.find((b) => b.kind === 'job')).toMatchObject({ codeCaches: [] });
  });

  it('writes bundles of ASCII only, which V8 holds as one-byte strings', () => {
    for (const b of result.bundles) {
      const text = readFileSync(path.join(b.dir, b.kind === 'function' ? 'bundle.js' : 'index.js'), 'utf8');
      // eslint-disable-next-line no-control-regex
      expect([b.id, /[^\x00-\x7f]/.exec(text)?.index ?? null]).toEqual([b.id, null]);
    }
  });

  it("leaves out of the bundles what no deployed function needs: the Pub/Sub SDK, zod's other locales, pg's Cloudflare probe, the route table of docs", () => {
    for (const id of functionIds) {
      const dir = path.join(outDir, 'functions', id);
      const bundle = readFileSync(path.join(dir, 'bundle.js'), 'utf8');
      expect(Object.keys(readJson(path.join(dir, 'package.json')).dependencies as object)).not.toContain('@google-cloud/pubsub');
      expect(bundle).not.toContain('@google-cloud/pubsub');
      // Loaded only when configured, from node_modules: never read and compiled at a cold start.
      expect(bundle).not.toContain('node_modules/@upstash/redis');
      expect(bundle).not.toMatch(/node_modules\/zod\/v4\/locales\/(fr|es|de)\.js/);
      expect(bundle).toContain('node_modules/zod/v4/locales/en.js');
      if (bundle.includes('node_modules/pg/lib/stream.js')) expect(bundle).toMatch(/function isCloudflareRuntime\(\) \{\s*return false;/);
    }
    const docs = readFileSync(path.join(outDir, 'functions', 'docs', 'bundle.js'), 'utf8');
    expect(docs).not.toContain('zod-to-openapi');
    expect(docs).not.toContain('shared/api/admin.routes.ts');
  });

  it("writes the OpenAPI document beside the docs function, which serves it with the deployment's version", async () => {
    const { buildDocument } = await import('../functions/docs/openapi-source');
    const written = readJson(path.join(outDir, 'functions', 'docs', 'openapi.json'));
    expect(written).toEqual(JSON.parse(JSON.stringify(buildDocument('0.0.0-build'))));
    const answer = await runFunction('docs', '/api/v1/openapi.json', { SERVICE_VERSION: '9b0d7e1' });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ ...written, info: { ...(written.info as object), version: '9b0d7e1' } });
  });

  it("copies Swagger UI beside the docs function, which serves the reference page's files from there", async () => {
    const dir = path.join(outDir, 'functions', 'docs', 'swagger-ui');
    expect(readdirSync(dir).sort()).toEqual(['LICENSE', 'NOTICE', 'swagger-ui-bundle.js', 'swagger-ui.css']);
    // Marked, to tell the built copy from node_modules/swagger-ui-dist (which the folder can also reach, being inside the repository).
    writeFileSync(path.join(dir, 'swagger-ui.css'), '/* the built copy */');
    expect(await runFunction('docs', '/api/v1/docs/assets/swagger-ui.css', {})).toEqual({ status: 200, body: '/* the built copy */' });
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

  it('runs the built health function under the functions framework CLI, with the deployed NODE_OPTIONS and without', async () => {
    for (const NODE_OPTIONS of [deployedNodeOptions()['256Mi']!, undefined]) {
      const answer = await runFunction('health', '/health/live', NODE_OPTIONS ? { NODE_OPTIONS } : {});
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ status: 'ok' });
    }
  });

  it('has the loader compile the bundle with the code cache of its NODE_OPTIONS, accepted by V8, and none for other flags or another bundle', () => {
    const dir = path.join(outDir, 'functions', 'health');
    const compile = (env: NodeJS.ProcessEnv, bundleDir = dir) => {
      // Records what the loader hands V8 (vm.Script is looked up when the loader runs), then loads the function.
      const probe = `const vm = require('node:vm'); const Real = vm.Script; let seen;
        vm.Script = class extends Real { constructor(src, o) { super(src, o); seen = { cache: Boolean(o.cachedData), rejected: this.cachedDataRejected }; } };
        require(${JSON.stringify(bundleDir)}); process.stdout.write(JSON.stringify(seen)); process.exit(0);`;
      const run = spawnSync(process.execPath, ['-e', probe], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 15_000 });
      return JSON.parse(run.stdout || JSON.stringify({ error: run.stderr })) as Record<string, unknown>;
    };
    for (const flags of new Set(Object.values(deployedNodeOptions()))) {
      expect(compile({ NODE_OPTIONS: flags })).toEqual({ cache: true, rejected: false });
      // The same flags written differently find the same cache.
      expect(compile({ NODE_OPTIONS: ` ${flags.replace(' ', '   ')} ` })).toEqual({ cache: true, rejected: false });
    }
    expect(compile({})).toEqual({ cache: false });
    expect(compile({ NODE_OPTIONS: '--max-old-space-size=97' })).toEqual({ cache: false });

    // A bundle changed after the build (same length, so V8 alone would take the stale cache) finds none.
    const edited = path.join(work, 'edited-health');
    cpSync(dir, edited, { recursive: true });
    const bundle = readFileSync(path.join(edited, 'bundle.js'), 'utf8');
    expect(bundle).toContain('var __create = Object.create;');
    writeFileSync(path.join(edited, 'bundle.js'), bundle.replace('var __create = Object.create;', 'let __create = Object.create;'));
    expect(compile({ NODE_OPTIONS: deployedNodeOptions()['256Mi']! }, edited)).toEqual({ cache: false });
  });

  it('keeps CommonJS semantics through the loader: require, __filename, __dirname, exports, lazy imports of externals', async () => {
    const functionsDir = path.join(work, 'semantics-functions');
    mkdirSync(path.join(functionsDir, 'probe'), { recursive: true });
    writeFileSync(
      path.join(functionsDir, 'probe', 'index.ts'),
      [
        "import { http } from '@google-cloud/functions-framework';",
        "http('probe', (_req, res) => void res.send('ok'));",
        "export const where = () => ({ filename: __filename, dirname: __dirname, framework: require.resolve('@google-cloud/functions-framework'), isMain: require.main === module });",
        "export const lazy = async () => typeof (await import('@google-cloud/functions-framework')).http;",
        "export const fail = () => new Error('where am I');",
        '',
      ].join('\n'),
    );
    // A module that throws at load (configuration it does not find at build time) still gets a cache, of less, with a warning.
    mkdirSync(path.join(functionsDir, 'throws'), { recursive: true });
    writeFileSync(path.join(functionsDir, 'throws', 'index.ts'), "throw new Error('DATABASE_URL is not set');\n");
    const out = path.join(work, 'out-semantics');
    const lines: string[] = [];
    const built = await buildAll({ outDir: out, functionsDir, migrateEntry: path.join(work, 'none.ts'), log: (l) => lines.push(l) });
    expect(built.bundles.find((b) => b.id === 'throws')!.codeCaches.map((c) => c.ran)).toEqual(
      [...new Set(Object.values(deployedNodeOptions()))].map(() => false),
    );
    expect(lines.join('\n')).toMatch(
      /warning: .*throws\/bundle\.js threw while its code cache was made under NODE_OPTIONS="--max-semi-space-size=4", so the cache holds less: Error: DATABASE_URL is not set/,
    );
    const dir = path.join(out, 'functions', 'probe');
    const script = `const m = require(${JSON.stringify(dir)}); m.lazy().then((lazy) => { process.stdout.write(JSON.stringify({ ...m.where(), lazy })); process.exit(0); });`;
    const run = spawnSync(process.execPath, ['-e', script], {
      env: { PATH: process.env.PATH, NODE_OPTIONS: deployedNodeOptions()['256Mi'] },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      filename: path.join(dir, 'bundle.js'),
      dirname: dir,
      framework: require.resolve(FRAMEWORK),
      isMain: false,
      lazy: 'function',
    });

    // Under --enable-source-maps the loader lets Node load the bundle, whose stack traces then point at the TypeScript.
    const mapped = spawnSync(process.execPath, ['--enable-source-maps', '-e', `process.stdout.write(require(${JSON.stringify(dir)}).fail().stack)`], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(mapped.stdout).toContain(path.join(functionsDir, 'probe', 'index.ts'));
  });

  it('warns, and leaves pg as it is, when pg no longer probes for Cloudflare the way the patch expects', async () => {
    const fake = path.join(work, 'fake-pg', 'node_modules', 'pg', 'lib');
    mkdirSync(fake, { recursive: true });
    writeFileSync(path.join(fake, 'stream.js'), 'module.exports = function isWorkerd() { return false }\n');
    const warnings: string[] = [];
    const built = await esbuild({
      entryPoints: [path.join(fake, 'stream.js')],
      bundle: true,
      write: false,
      platform: 'node',
      plugins: [pgNotOnCloudflare((w) => warnings.push(w))],
      logLevel: 'silent',
    });
    expect(built.outputFiles[0]!.text).toContain('isWorkerd');
    expect(warnings).toEqual([expect.stringMatching(/stream\.js: isCloudflareRuntime\(\) not found; pg left unpatched/)]);
  });

  it('escapes the characters outside ASCII that esbuild leaves in comments, and reports any elsewhere', () => {
    const file = path.join(work, 'ascii.js');
    writeFileSync(file, 'const a = 1;\n  // computes it ONCE \u2014 not twice\n/* caf\u00e9 */\n');
    expect(asciiOnly(file)).toEqual([]);
    expect(readFileSync(file, 'utf8')).toBe('const a = 1;\n  // computes it ONCE \\u2014 not twice\n/* caf\\u00e9 */\n');
    writeFileSync(file, 'const a = "caf\u00e9";\n');
    expect(asciiOnly(file)).toEqual(['ascii.js:1: a character outside ASCII outside a comment: const a = "caf\u00e9";']);
    expect(readFileSync(file, 'utf8')).toBe('const a = "caf\u00e9";\n');
  });

  it('reads the NODE_OPTIONS table, refusing one of another shape', () => {
    const bad = path.join(work, 'bad-node-options.json');
    writeFileSync(bad, JSON.stringify({ '256Mi': '--max-old-space-size=96' }));
    expect(() => deployedNodeOptions(bad)).toThrow(/expected \{"byMemory"/);
    expect(deployedNodeOptions()['512Mi']).toBe('--max-semi-space-size=4');
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
    const failure = await buildAll({
      outDir: path.join(work, 'out-bad'),
      functionsDir,
      migrateEntry: path.join(work, 'no-migrate.ts'),
      log: (l) => lines.push(l),
    }).catch((err: unknown) => err);
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
