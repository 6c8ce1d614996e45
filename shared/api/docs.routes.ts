/** The docs route group: the OpenAPI document and a page for people. */
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
  summary: 'Human-readable API reference',
  tags: ['docs'],
  roles: 'public',
  responses: { 200: { description: 'An HTML page', contentType: 'text/html' } },
});

export const docsRoutes = [getOpenApi, getDocsPage] as const;
