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
 * metafile) and nothing else. Each bundle's metafile is kept in `dist/metafiles/<id>.json`, outside the
 * deployed folders, for analysis (`npx tsx scripts/build/bundle-report.ts`).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import {
  BuildError,
  type BuildOptions,
  type BuildResult,
  type BuiltBundle,
  type Context,
  type Lockfile,
  type RootManifest,
  type Target,
} from './build/build-types';
import { bundle, discoverFunctions } from './build/bundle';
import { deployedNodeOptions, makeCodeCache, pool } from './build/code-cache';
import { copySwaggerUi, writeOpenApiDocument } from './build/docs-assets';
import { relative, ROOT } from './build/paths';
import { copyMigrations, HOSTING_PAGE } from './build/static-files';

// The build's steps, each in scripts/build/: bundling, code caches, the docs function's files, the static files.
export { BuildError, type BuildOptions, type BuildResult, type BuiltBundle, type CodeCache } from './build/build-types';
export { asciiOnly, discoverFunctions, externalPackages, inlinedForbidden, packageName, pgNotOnCloudflare, zodEnglishOnly } from './build/bundle';
export { deployedNodeOptions, LOADER_JS, NODE_OPTIONS_FILE } from './build/code-cache';

/** Folders of the repository an outDir must never be (the build empties parts of outDir). */
const SOURCE_FOLDERS = new Set(['functions', 'shared', 'scripts', 'migrations', 'test', 'node_modules', 'terraform', '.git']);

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

function formatTable(bundles: BuiltBundle[]): string {
  const rows = bundles.map((b) => [
    b.kind === 'job' ? `${b.id} (job)` : b.id,
    (b.bytes / 1024).toFixed(1),
    b.codeCaches.map((c) => (c.bytes / 1024).toFixed(0)).join(' / ') || '-',
    [...Object.keys(b.dependencies), ...b.notInstalled.map((p) => `${p} (not installed)`)].join(', ') || '-',
  ]);
  const header = ['bundle', 'size (KB)', 'code cache (KB)', 'externals'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 || i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
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
  for (const owned of ['functions', 'migrate', 'hosting', 'metafiles']) rmSync(path.join(out, owned), { recursive: true, force: true });

  const ids = discoverFunctions(functionsDir);
  if (ids.length === 0) throw new BuildError([`no functions found: expected ${relative(functionsDir)}/<id>/index.ts`]);
  mkdirSync(path.join(out, 'metafiles'), { recursive: true });
  const targets: Target[] = ids.map((id) => ({
    id,
    kind: 'function',
    entry: path.join(functionsDir, id, 'index.ts'),
    dir: path.join(out, 'functions', id),
    metafile: path.join(out, 'metafiles', `${id}.json`),
  }));
  const skipped: string[] = [];
  const migrate = path.resolve(ROOT, migrateEntry);
  if (existsSync(migrate))
    targets.push({ id: 'migrate', kind: 'job', entry: migrate, dir: path.join(out, 'migrate'), metafile: path.join(out, 'metafiles', 'migrate.json') });
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
    const jobs = functions.flatMap((b) =>
      flagSets.map((flags) => () => makeCodeCache(path.join(b.dir, 'bundle.js'), flags, warn).then((c) => void b.codeCaches.push(c))),
    );
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
