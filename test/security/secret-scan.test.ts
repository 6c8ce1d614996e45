/** The secret scan of the tree (secretlint's recommended rules, offline): nothing found now, and a planted key is found. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const SECRETLINT = path.join(ROOT, 'node_modules/secretlint/bin/secretlint.js');

/** Runs secretlint with the repository's rules and ignore list from `cwd` on `patterns`. */
function scan(cwd: string, patterns: string[]) {
  const run = spawnSync(
    process.execPath,
    [
      SECRETLINT,
      '--secretlintrc',
      path.join(ROOT, '.secretlintrc.json'),
      '--secretlintignore',
      path.join(ROOT, '.secretlintignore'),
      '--format',
      'unix',
      ...patterns,
    ],
    { cwd, encoding: 'utf8' },
  );
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

it('finds no secret in the tree (npm run secrets)', () => {
  expect(scan(ROOT, ['**/*'])).toEqual({ status: 0, output: '' });
}, 60_000);

it('finds a planted GitHub token and a connection string with a password', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'taxasge-secrets-'));
  try {
    // Assembled here so that this file itself holds no key to find.
    const token = ['ghp', 'Zq4mT8vL2nR6xW1cY9bK3pH7sD5fG0jA2uE8'].join('_');
    writeFileSync(
      path.join(dir, 'leak.ts'),
      `export const token = '${token}';\nexport const db = '${['postgres://taxasge', 'S3cr3t-Pa55@db.internal:5432/taxasge'].join(':')}';\n`,
    );
    const { status, output } = scan(dir, ['leak.ts']);
    expect(status).toBe(1);
    expect(output).toContain('secretlint-rule-github');
    expect(output).toContain('secretlint-rule-database-connection-string');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
