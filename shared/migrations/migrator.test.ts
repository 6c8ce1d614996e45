import { Client } from 'pg';
import { createEmptyDatabase } from '../../test/support/test-database';
import { loadMigrations, parseMigration, MigrationFileError } from './migration-files';
import { MIGRATIONS_DIR, createProjectMigrator } from './index';
import { createMigrator, MigrationIntegrityError } from './migrator';

let db: Awaited<ReturnType<typeof createEmptyDatabase>>;
beforeEach(async () => {
  db = await createEmptyDatabase();
});
afterEach(() => db.drop());

async function tables(url: string): Promise<string[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
    return rows.map((r) => r.tablename);
  } finally {
    await c.end();
  }
}

describe('the project migrations', () => {
  it('apply all the way up, all the way down, and up again', async () => {
    const migrator = createProjectMigrator(db.url);
    const count = loadMigrations(MIGRATIONS_DIR).length;

    expect(await migrator.up()).toHaveLength(count);
    expect((await migrator.status()).every((s) => s.state === 'applied')).toBe(true);
    expect(await tables(db.url)).toEqual(expect.arrayContaining(['fiscal_services', 'ministries', 'schema_migrations']));

    expect(await migrator.down(count)).toHaveLength(count);
    expect(await tables(db.url)).toEqual(['schema_migrations']);
    expect((await migrator.status()).every((s) => s.state === 'pending')).toBe(true);

    expect(await migrator.up()).toHaveLength(count);
    expect(await migrator.up()).toEqual([]);
  });
});

describe('the runner', () => {
  const one = parseMigration('0001_things.sql', '-- migrate:up\nCREATE TABLE things (id int);\n-- migrate:down\nDROP TABLE things;\n');
  const two = parseMigration('0002_more.sql', '-- migrate:up\nCREATE TABLE more (id int);\n-- migrate:down\nDROP TABLE more;\n');

  it('refuses to run when an applied file changed, naming it', async () => {
    await createMigrator({ connectionString: db.url, migrations: [one] }).up();
    const edited = parseMigration('0001_things.sql', '-- migrate:up\nCREATE TABLE things (id bigint);\n-- migrate:down\nDROP TABLE things;\n');
    const migrator = createMigrator({ connectionString: db.url, migrations: [edited, two] });
    await expect(migrator.up()).rejects.toThrow(/0001_things.sql was changed after it was applied/);
    await expect(migrator.up()).rejects.toBeInstanceOf(MigrationIntegrityError);
    expect((await migrator.status()).map((s) => s.state)).toEqual(['changed', 'pending']);
    expect(await tables(db.url)).not.toContain('more');
  });

  it('refuses to run when an applied file is missing', async () => {
    await createMigrator({ connectionString: db.url, migrations: [one, two] }).up();
    await expect(createMigrator({ connectionString: db.url, migrations: [one] }).down(1)).rejects.toThrow(
      /0002_more is applied in the database but its file is missing/,
    );
  });

  it('rolls back a failing migration together with its tracking row', async () => {
    const broken = parseMigration('0002_broken.sql', '-- migrate:up\nCREATE TABLE half (id int);\nSELECT no_such_function();\n-- migrate:down\nSELECT 1;\n');
    const migrator = createMigrator({ connectionString: db.url, migrations: [one, broken] });
    await expect(migrator.up()).rejects.toThrow(/no_such_function/);
    expect(await tables(db.url)).toEqual(['schema_migrations', 'things']);
    expect((await migrator.status()).map((s) => s.state)).toEqual(['applied', 'pending']);
  });

  it('lets only one runner apply at a time (advisory lock)', async () => {
    const slow = parseMigration('0002_slow.sql', '-- migrate:up\nSELECT pg_sleep(0.3);\nCREATE TABLE slow (id int);\n-- migrate:down\nDROP TABLE slow;\n');
    const runners = Array.from({ length: 4 }, () => createMigrator({ connectionString: db.url, migrations: [one, slow] }));
    const results = await Promise.all(runners.map((r) => r.up()));
    expect(results.flat().sort()).toEqual([1, 2]);
  });

  it('reverts newest first and rejects a bad count', async () => {
    const migrator = createMigrator({ connectionString: db.url, migrations: [one, two] });
    await migrator.up();
    expect(await migrator.down(1)).toEqual([2]);
    expect(await tables(db.url)).toEqual(['schema_migrations', 'things']);
    await expect(migrator.down(0)).rejects.toThrow(/positive whole number/);
  });
});

describe('migration files', () => {
  it.each([
    ['1_bad.sql', '-- migrate:up\nSELECT 1;\n-- migrate:down\n', /expected a name like/],
    ['0001_x.sql', 'SELECT 1;', /expected a "-- migrate:up" section/],
    ['0001_x.sql', '-- migrate:down\nSELECT 1;\n-- migrate:up\nSELECT 1;', /expected a "-- migrate:up" section/],
    ['0001_x.sql', '-- migrate:up\n\n-- migrate:down\nSELECT 1;', /section is empty/],
  ])('rejects %s with a message that says what was expected', (file, text, message) => {
    expect(() => parseMigration(file, text)).toThrow(MigrationFileError);
    expect(() => parseMigration(file, text)).toThrow(message);
  });

  it('keeps the committed seed migration in step with the catalog JSON', async () => {
    const { renderCatalogMigration, CATALOG_MIGRATION } = await import('../../scripts/generate-catalog-migration');
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(CATALOG_MIGRATION, 'utf8')).toBe(renderCatalogMigration());
  });
});
