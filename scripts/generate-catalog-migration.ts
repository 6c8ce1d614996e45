/** Writes migrations/0002_catalog_seed.sql from migrations/seed/fiscal-services.json. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderCatalogSeedSql, type CatalogSource } from './catalog/catalog-seed-sql';

export const CATALOG_JSON = path.resolve(__dirname, '../migrations/seed/fiscal-services.json');
export const CATALOG_MIGRATION = path.resolve(__dirname, '../migrations/0002_catalog_seed.sql');

export function renderCatalogMigration(): string {
  return renderCatalogSeedSql(JSON.parse(readFileSync(CATALOG_JSON, 'utf8')) as CatalogSource);
}

if (require.main === module) {
  writeFileSync(CATALOG_MIGRATION, renderCatalogMigration());
  console.log(`wrote ${path.relative(process.cwd(), CATALOG_MIGRATION)}`);
}
