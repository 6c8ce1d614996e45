/** Where the reference page's Swagger UI files are: beside the bundle once built (scripts/build.ts copies them), else in node_modules. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The files of swagger-ui-dist the page loads, and its licence, which travels with them. */
export const SWAGGER_UI_FILES = ['swagger-ui-bundle.js', 'swagger-ui.css'] as const;
export const SWAGGER_UI_COPIED = [...SWAGGER_UI_FILES, 'LICENSE', 'NOTICE'] as const;
/** The folder of a built docs function that holds them. */
export const BUILT_ASSETS_DIR = 'swagger-ui';

/** The folder holding Swagger UI's files for a function running from `dir`. */
export function swaggerUiDir(dir: string): string {
  const built = path.join(dir, BUILT_ASSETS_DIR);
  if (existsSync(path.join(built, SWAGGER_UI_FILES[0]))) return built;
  // From the sources (npm start, tests); a built folder never gets here, and has no node_modules/swagger-ui-dist.
  return path.dirname(require.resolve('swagger-ui-dist/package.json'));
}

/** Reads one file once; a missing file fails loudly rather than serving an empty page. */
export function readSwaggerUiFile(dir: string, file: (typeof SWAGGER_UI_FILES)[number]): Buffer {
  return readFileSync(path.join(swaggerUiDir(dir), file));
}
