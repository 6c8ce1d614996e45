/** Reads numbered SQL migrations (`NNNN_name.sql`, with `-- migrate:up` and `-- migrate:down` sections). */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface MigrationFile {
  version: number;
  name: string;
  file: string;
  up: string;
  down: string;
  checksum: string;
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;
const UP = /^--\s*migrate:up\s*$/m;
const DOWN = /^--\s*migrate:down\s*$/m;

export class MigrationFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationFileError';
  }
}

export function parseMigration(file: string, text: string): MigrationFile {
  const match = FILE_NAME.exec(path.basename(file));
  if (!match) throw new MigrationFileError(`${file}: expected a name like 0001_create_things.sql`);
  const upAt = text.search(UP);
  const downAt = text.search(DOWN);
  if (upAt < 0 || downAt < 0 || downAt < upAt) {
    throw new MigrationFileError(`${file}: expected a "-- migrate:up" section followed by a "-- migrate:down" section`);
  }
  const up = text.slice(upAt, downAt).replace(UP, '').trim();
  const down = text.slice(downAt).replace(DOWN, '').trim();
  if (!up) throw new MigrationFileError(`${file}: the "-- migrate:up" section is empty`);
  return {
    version: Number(match[1]),
    name: match[2]!,
    file: path.basename(file),
    up,
    down,
    checksum: createHash('sha256').update(text.replace(/\r\n/g, '\n')).digest('hex'),
  };
}

export function loadMigrations(dir: string): MigrationFile[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const migrations = files.map((f) => parseMigration(f, readFileSync(path.join(dir, f), 'utf8')));
  const seen = new Map<number, string>();
  for (const m of migrations) {
    const other = seen.get(m.version);
    if (other) throw new MigrationFileError(`${m.file} and ${other} share version ${m.version}`);
    seen.set(m.version, m.file);
  }
  return migrations;
}
