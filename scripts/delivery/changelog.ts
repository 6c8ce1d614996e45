/**
 * The release notes of a production release, from CHANGELOG.md (Keep a Changelog): the top section
 * with entries, `[Unreleased]` or else the newest version. `npx tsx scripts/delivery/changelog.ts notes`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const CHANGELOG = path.resolve(__dirname, '../../CHANGELOG.md');

export interface Section {
  /** `Unreleased` or the version, e.g. `2026.12.03`. */
  name: string;
  /** The heading's date, when it has one. */
  date?: string;
  /** The section's text below its heading, trimmed. */
  body: string;
}

export function parseChangelog(markdown: string): Section[] {
  const headings = [...markdown.matchAll(/^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?[ \t]*$/gm)];
  return headings.map((h, i) => {
    const end = i + 1 < headings.length ? headings[i + 1]!.index : markdown.length;
    const body = markdown.slice(h.index + h[0].length, end).trim();
    return { name: h[1]!, ...(h[2] ? { date: h[2] } : {}), body };
  });
}

/** The notes to publish: the first section holding at least one entry (a "- " line). */
export function releaseNotes(markdown: string): Section {
  const sections = parseChangelog(markdown);
  if (sections.length === 0) throw new Error('CHANGELOG.md has no "## [...]" section');
  const found = sections.find((s) => /^- /m.test(s.body));
  if (!found) throw new Error('CHANGELOG.md has no entries to release: add them under "## [Unreleased]"');
  return found;
}

if (require.main === module) {
  const [command] = process.argv.slice(2);
  if (command !== 'notes') {
    console.error('usage: changelog.ts notes   (prints the release notes from CHANGELOG.md)');
    process.exit(2);
  }
  try {
    process.stdout.write(`${releaseNotes(readFileSync(CHANGELOG, 'utf8')).body}\n`);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
