/** The docs function's files written at build time: its OpenAPI document and the Swagger UI of its reference page. */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BUILT_ASSETS_DIR, SWAGGER_UI_COPIED } from '../../functions/docs/reference-assets';

/** The docs function serves the OpenAPI document from this file rather than building it at each cold start (functions/docs). */
export function writeOpenApiDocument(dir: string, functionsDir: string): void {
  const source = path.join(functionsDir, 'docs', 'openapi-source.ts');
  if (!existsSync(source)) return;
  const { buildDocument } = require(source) as typeof import('../../functions/docs/openapi-source');
  // The version is set when served (SERVICE_VERSION of the deployment).
  writeFileSync(path.join(dir, 'openapi.json'), JSON.stringify(buildDocument('0.0.0-build')));
}

/** The reference page's Swagger UI files, beside the docs bundle: the function serves them (functions/docs/reference-assets.ts). */
export function copySwaggerUi(dir: string): void {
  const from = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  mkdirSync(path.join(dir, BUILT_ASSETS_DIR), { recursive: true });
  for (const file of SWAGGER_UI_COPIED) copyFileSync(path.join(from, file), path.join(dir, BUILT_ASSETS_DIR, file));
}
