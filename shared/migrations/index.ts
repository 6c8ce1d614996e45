/** The project's migrations folder, loaded and ready to apply. */
import path from 'node:path';
import { loadMigrations } from './migration-files';
import { createMigrator } from './migrator';

export const MIGRATIONS_DIR = path.resolve(__dirname, '../../migrations');

export function createProjectMigrator(connectionString: string, log?: (message: string) => void) {
  return createMigrator({ connectionString, migrations: loadMigrations(MIGRATIONS_DIR), ...(log ? { log } : {}) });
}
