/** CHANGELOG.md follows Keep a Changelog, and the release takes its notes from it. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CHANGELOG, parseChangelog, releaseNotes } from '../../scripts/delivery/changelog';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs');
const KINDS = ['Added', 'Changed', 'Deprecated', 'Removed', 'Fixed', 'Security'];

describe('CHANGELOG.md', () => {
  const text = readFileSync(CHANGELOG, 'utf8');

  it('opens with [Unreleased], then versions newest first, each with dated heading and known kinds of change', () => {
    const sections = parseChangelog(text);
    expect(sections[0]!.name).toBe('Unreleased');
    const versions = sections.slice(1);
    for (const v of versions)
      expect(v).toMatchObject({ name: expect.stringMatching(/^\d{4}\.\d{2}\.\d{2}$/), date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    expect(versions.map((v) => v.date)).toEqual(
      versions
        .map((v) => v.date)
        .sort()
        .reverse(),
    );
    for (const s of sections) for (const [, kind] of s.body.matchAll(/^### (.+)$/gm)) expect(KINDS).toContain(kind);
  });

  it('prints the release notes the deploy workflow publishes', () => {
    const out = execFileSync(process.execPath, [TSX, 'scripts/delivery/changelog.ts', 'notes'], { cwd: ROOT, encoding: 'utf8' });
    expect(out).toBe(`${releaseNotes(text).body}\n`);
    expect(out).toMatch(/^### Added\n\n- /);
  });
});

describe('releaseNotes', () => {
  const older = '## [2026.11.30] - 2026-11-30\n\n### Fixed\n\n- A fix.\n';

  it('takes [Unreleased] when it has entries', () => {
    expect(releaseNotes(`# Changelog\n\n## [Unreleased]\n\n### Added\n\n- A route.\n\n${older}`)).toEqual({
      name: 'Unreleased',
      body: '### Added\n\n- A route.',
    });
  });

  it('takes the newest version when [Unreleased] is empty (a redeploy after a cut)', () => {
    expect(releaseNotes(`# Changelog\n\n## [Unreleased]\n\n${older}`)).toEqual({ name: '2026.11.30', date: '2026-11-30', body: '### Fixed\n\n- A fix.' });
  });

  it('refuses a changelog with nothing to release', () => {
    expect(() => releaseNotes('# Changelog\n\n## [Unreleased]\n\n### Added\n')).toThrow('no entries to release');
    expect(() => releaseNotes('# Changelog\n')).toThrow('no "## [...]" section');
  });
});
