/** The docs route group: the OpenAPI document, the interactive reference page and the files it loads. */
import { z } from 'zod';
import { defineRoute } from '../http/route';

export const getOpenApi = defineRoute({
  operationId: 'getOpenApiDocument',
  method: 'get',
  path: '/api/v1/openapi.json',
  summary: 'This API as an OpenAPI 3.1 document',
  tags: ['docs'],
  roles: 'public',
  responses: { 200: { description: 'The OpenAPI document', schema: z.record(z.string(), z.unknown()) } },
});

export const getDocsPage = defineRoute({
  operationId: 'getDocsPage',
  method: 'get',
  path: '/api/v1/docs',
  summary: 'Interactive API reference (Swagger UI over /api/v1/openapi.json, with "Try it out")',
  tags: ['docs'],
  roles: 'public',
  responses: { 200: { description: 'An HTML page', contentType: 'text/html' } },
});

/** The files the reference page loads, all served by the docs function (no CDN). */
export const DOCS_ASSETS = ['swagger-ui-bundle.js', 'swagger-ui.css', 'reference.js'] as const;

export const getDocsAsset = defineRoute({
  operationId: 'getDocsAsset',
  method: 'get',
  path: '/api/v1/docs/assets/{file}',
  summary: 'A file of the reference page: Swagger UI (from npm, served here) or its start-up script',
  tags: ['docs'],
  roles: 'public',
  params: z.strictObject({ file: z.enum(DOCS_ASSETS, { error: `expected one of ${DOCS_ASSETS.join(', ')}` }) }),
  responses: { 200: { description: 'JavaScript (text/javascript) or CSS (text/css)', contentType: 'text/javascript' } },
});

export const docsRoutes = [getOpenApi, getDocsPage, getDocsAsset] as const;
