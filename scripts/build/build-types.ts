/** The shapes the build's steps share: options, what each bundle became, the target of a bundle. */

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

export interface RootManifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
export interface Lockfile {
  packages?: Record<string, { version?: string }>;
}

export interface Target {
  id: string;
  kind: BuiltBundle['kind'];
  entry: string;
  dir: string;
  /** Where to write esbuild's metafile of the bundle, for analysis. */
  metafile?: string;
}

export interface Context {
  manifest: RootManifest;
  lock: Lockfile;
  warn: (line: string) => void;
}
