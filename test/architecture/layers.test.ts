/**
 * The layer rules fail on a deliberate violation of each and pass on the tree: dependency-cruiser
 * (.dependency-cruiser.cjs) over a small tree of fixtures written for the purpose, and ESLint's SQL
 * rule (eslint.config.mjs) over snippets placed where a service and a repository would be.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const DEPCRUISE = path.join(ROOT, 'node_modules/.bin/depcruise');
const ESLINT = path.join(ROOT, 'node_modules/.bin/eslint');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
  cycle?: unknown[];
}

function cruise(cwd: string, folders: string[]): Violation[] {
  const run = spawnSync(DEPCRUISE, [...folders, '--config', path.join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'json'], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (!run.stdout) throw new Error(`depcruise printed nothing: ${run.stderr}`);
  return (JSON.parse(run.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

/** One file (or pair) per rule, each breaking that rule and no other; `model.ts` breaks none. */
const FIXTURES: Record<string, string> = {
  'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'preserve', moduleResolution: 'bundler', strict: true } }),
  'node_modules/pg/package.json': JSON.stringify({ name: 'pg', version: '8.0.0', main: 'index.js' }),
  'node_modules/pg/index.js': 'module.exports = {};\n',
  'shared/ports/clock.port.ts': 'export interface Clock { now(): Date }\n',
  'shared/domain/a/model.ts': "import type { Clock } from '../../ports/clock.port';\nexport const at = (c: Clock) => c.now();\n",
  'shared/domain/a/thing.service.ts': "import { at } from './model';\nexport const thing = at;\n",
  // domain-imports-ports-only
  'shared/domain/a/uses-adapter.ts': "import { pool } from '../../adapters/db/pg-pool';\nexport const p = pool;\n",
  // domain-no-sdk
  'shared/domain/a/uses-sdk.ts': "import pg from 'pg';\nexport const driver = pg;\n",
  // no-circular
  'shared/domain/c/one.ts': "import { two } from './two';\nexport const one = () => two;\n",
  'shared/domain/c/two.ts': "import { one } from './one';\nexport const two = () => one;\n",
  // ports-are-leaves
  'shared/ports/leaky.port.ts': "import type { at } from '../domain/a/model';\nexport type Leak = typeof at;\n",
  // adapters-not-services
  'shared/adapters/db/pg-pool.ts': "import { thing } from '../../domain/a/thing.service';\nexport const pool = thing;\n",
  // inner-not-wiring
  'shared/runtime/runtime.ts': 'export const getRuntime = () => ({});\n',
  'shared/http/reaches-wiring.ts': "import { getRuntime } from '../runtime/runtime';\nexport const r = getRuntime;\n",
  // shared-not-functions
  'shared/http/reaches-entry.ts': "import { entry } from '../../functions/two/index';\nexport const e = entry;\n",
  // functions-independent
  'functions/two/index.ts': 'export const entry = 2;\n',
  'functions/one/index.ts': "import { entry } from '../two/index';\nexport const one = entry;\n",
};

const EXPECTED: Array<[rule: string, from: string]> = [
  // A cycle is reported once, from the first of its modules.
  ['no-circular', 'shared/domain/c/one.ts'],
  ['ports-are-leaves', 'shared/ports/leaky.port.ts'],
  ['domain-imports-ports-only', 'shared/domain/a/uses-adapter.ts'],
  ['domain-no-sdk', 'shared/domain/a/uses-sdk.ts'],
  ['adapters-not-services', 'shared/adapters/db/pg-pool.ts'],
  ['functions-independent', 'functions/one/index.ts'],
  ['shared-not-functions', 'shared/http/reaches-entry.ts'],
  ['inner-not-wiring', 'shared/http/reaches-wiring.ts'],
];

describe('the layer rules (dependency-cruiser)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'layers-'));
    for (const [file, text] of Object.entries(FIXTURES)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('report each deliberate violation, by its rule, and nothing else', () => {
    const found = cruise(dir, ['shared', 'functions']).map((v) => [v.rule.name, v.from] as [string, string]);
    expect([...found].sort()).toEqual([...EXPECTED].sort());
  });

  it('cover every rule of the configuration with a fixture', () => {
    const config = require(path.join(ROOT, '.dependency-cruiser.cjs')) as { forbidden: Array<{ name: string }> };
    expect(new Set(EXPECTED.map(([rule]) => rule))).toEqual(new Set(config.forbidden.map((r) => r.name)));
  });

  it('pass on the tree: no layer crossed, no import cycle', () => {
    expect(cruise(ROOT, ['shared', 'functions', 'scripts', 'test'])).toEqual([]);
  });
});

function lintSnippet(filePath: string, text: string): string[] {
  const run = spawnSync(ESLINT, ['--stdin', '--stdin-filename', filePath, '--format', 'json'], { cwd: ROOT, input: text, encoding: 'utf8' });
  const [result] = JSON.parse(run.stdout) as Array<{ messages: Array<{ ruleId: string | null; message: string }> }>;
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('SQL only in repositories (ESLint)', () => {
  const query =
    "import type { Queryable } from '../../ports/database.port';\nexport const count = (db: Queryable) => db.query('SELECT count(*) FROM payments');\n";
  const template =
    "import type { Queryable } from '../../ports/database.port';\nexport const drop = (db: Queryable, id: string) => db.query(`\n  DELETE FROM payments WHERE id = ${'$'}1`, [id]);\n";

  it('refuses a statement in a service, an entry, the pipeline, as a string or a template', () => {
    expect(lintSnippet('shared/domain/payments/fixture.service.ts', query)).toEqual([expect.stringContaining('SQL belongs in a repository')]);
    expect(lintSnippet('shared/domain/payments/fixture.service.ts', template)).toEqual([expect.stringContaining('SQL belongs in a repository')]);
    expect(lintSnippet('functions/admin/fixture.ts', query)).toEqual([expect.stringContaining('SQL belongs in a repository')]);
    expect(lintSnippet('shared/http/fixture.ts', query)).toEqual([expect.stringContaining('SQL belongs in a repository')]);
  });

  it('accepts it in a repository, and English that merely starts with a keyword', () => {
    expect(lintSnippet('shared/domain/payments/fixture.repository.ts', query)).toEqual([]);
    expect(lintSnippet('shared/domain/payments/fixture.service.ts', "export const hint = 'Select a service, then update it.';\n")).toEqual([]);
  });
});
