/**
 * The OpenAPI document built from the route table. `npm run build` writes it next to the docs
 * bundle (scripts/build.ts); the function builds it here only when run from the sources (npm start,
 * tests), which keeps every route's schemas and zod-to-openapi out of the deployed bundle.
 */
import { apiRoutes } from '../../shared/api';
import { buildOpenApiDocument } from '../../shared/http/openapi';

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;

export function buildDocument(version: string): OpenApiDocument {
  return buildOpenApiDocument(apiRoutes, { version });
}
