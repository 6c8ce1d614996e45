import { createEmptyDatabase } from '../test/support/test-database';
import { MIGRATIONS_DIR } from '../shared/migrations';
import { loadMigrations } from '../shared/migrations/migration-files';
import { runMigrateCommand } from './migrate';

const files = loadMigrations(MIGRATIONS_DIR);
const last = files[files.length - 1]!;
const label = (m: { version: number }) => String(m.version).padStart(4, '0');

let db: Awaited<ReturnType<typeof createEmptyDatabase>>;
beforeAll(async () => {
  db = await createEmptyDatabase();
});
afterAll(() => db.drop());

async function run(...args: string[]) {
  const out: string[] = [];
  const code = await runMigrateCommand(args, { DATABASE_URL: db.url, LOG_LEVEL: 'error' }, (l) => out.push(l));
  return { code, out: out.join('\n') };
}

describe('npm run migrate', () => {
  it('shows status, applies, reverts and reapplies', async () => {
    expect(await run('status')).toEqual({ code: 0, out: files.map((m) => `${label(m)}  pending  ${m.name}`).join('\n') });
    expect(await run('up')).toMatchObject({ code: 0, out: expect.stringContaining(`applied ${files.length} migration(s)`) });
    expect(await run('up')).toMatchObject({ code: 0, out: expect.stringContaining('nothing to do') });
    expect((await run('status')).out).toMatch(new RegExp(`${label(last)} {2}applied {2}${last.name} {2}\\(\\d{4}-`));
    expect(await run('down', '1')).toMatchObject({ code: 0, out: expect.stringContaining('reverted 1 migration(s)') });
    expect((await run('status')).out).toContain(`${label(last)}  pending  ${last.name}`);
    expect(await run('up')).toMatchObject({ code: 0 });
  });

  it('explains its usage', async () => {
    expect(await run()).toEqual({ code: 2, out: 'usage: npm run migrate -- up | down <count> | status' });
    expect(await run('down')).toMatchObject({ code: 2, out: expect.stringContaining('down needs how many migrations') });
    expect(await run('down', 'all')).toMatchObject({ code: 2 });
  });

  it('reports bad configuration', async () => {
    const out: string[] = [];
    expect(await runMigrateCommand(['status'], { DATABASE_URL: 'mysql://nope' }, (l) => out.push(l))).toBe(1);
    expect(out.join('\n')).toContain('DATABASE_URL: expected a postgres:// or postgresql:// connection URL');
  });

  it('refuses to run over a changed migration, exiting 1', async () => {
    const { Client } = await import('pg');
    const c = new Client({ connectionString: db.url });
    await c.connect();
    await c.query("UPDATE schema_migrations SET checksum = 'tampered' WHERE version = 1");
    await c.end();
    expect(await run('up')).toEqual({ code: 1, out: expect.stringContaining('0001_catalog_schema.sql was changed after it was applied') });
    expect(await run('status')).toMatchObject({ code: 1, out: expect.stringContaining('changed') });
  });
});
