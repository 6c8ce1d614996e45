/** The project's migrations folder, loaded and ready to apply. */
import path from 'node:path';
import { loadMigrations } from './migration-files';
import { createMigrator } from './migrator';

// From source this file is shared/migrations/index.ts; bundled (dist/migrate/index.js, see scripts/build.ts) the SQL is copied beside the bundle.
export const MIGRATIONS_DIR = path.resolve(__dirname, path.basename(__dirname) === 'migrations' ? '../../migrations' : 'migrations');

export function createProjectMigrator(connectionString: string, log?: (message: string) => void) {
  return createMigrator({ connectionString, migrations: loadMigrations(MIGRATIONS_DIR), ...(log ? { log } : {}) });
}
