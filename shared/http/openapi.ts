/** Builds the OpenAPI 3.1 document from the route table: the schemas that validate are the ones documented. */
import { OpenApiGeneratorV31, OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { ProblemSchema } from '../api/common.schemas';
import { ERROR_CODES } from '../errors/app-error';
import type { RouteDefinition } from './route';

const COMMON_ERRORS = [400, 500];

function errorDescription(status: number): string {
  const codes = Object.entries(ERROR_CODES)
    .filter(([, v]) => v.status === status)
    .map(([code]) => `\`${code}\``);
  return `Problem details (${codes.join(', ') || 'error'})`;
}

export function buildOpenApiDocument(routes: readonly RouteDefinition[], info: { version: string }) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });

  for (const route of routes) {
    const responses: RouteConfig['responses'] = {};
    for (const [status, spec] of Object.entries(route.responses)) {
      responses[status] = spec.schema
        ? { description: spec.description, content: { 'application/json': { schema: spec.schema } } }
        : { description: spec.description, ...(spec.contentType ? { content: { [spec.contentType]: { schema: { type: 'string' } } } } : {}) };
    }
    const errorStatuses = new Set([...COMMON_ERRORS, ...(route.errors ?? []), ...(route.roles === 'public' ? [] : [401, 403])]);
    for (const status of [...errorStatuses].sort()) {
      responses[String(status)] = { description: errorDescription(status), content: { 'application/problem+json': { schema: ProblemSchema } } };
    }
    registry.registerPath({
      method: route.method,
      path: route.path,
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [...route.tags],
      ...(route.roles === 'public' ? {} : { security: [{ bearerAuth: [] }], 'x-roles': route.roles }),
      request: {
        ...(route.params ? { params: route.params } : {}),
        ...(route.query ? { query: route.query } : {}),
        ...(route.body ? { body: { required: true, content: { 'application/json': { schema: route.body } } } } : {}),
      },
      responses,
    });
  }

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'TaxasGE API',
      version: info.version,
      description:
        'Fiscal services and tax declarations of Equatorial Guinea. Amounts are integer XAF. ' +
        'Errors are RFC 9457 application/problem+json with a stable `code`.',
    },
    servers: [{ url: '/' }],
  });
}
