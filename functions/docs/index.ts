/** The docs Cloud Function: the OpenAPI 3.1 document generated from the route table, and its HTML page. */
import { http } from '@google-cloud/functions-framework';
import { apiRoutes } from '../../shared/api';
import { docsRoutes, getDocsPage, getOpenApi } from '../../shared/api/docs.routes';
import { ERROR_CODES } from '../../shared/errors/app-error';
import { createHttpFunction } from '../../shared/http/http-function';
import { renderDocsPage } from '../../shared/http/docs-page';
import { buildOpenApiDocument } from '../../shared/http/openapi';
import { bindRoute } from '../../shared/http/request-context';
import { getRuntime, perRuntime } from '../../shared/runtime/runtime';

const document = perRuntime((rt) => buildOpenApiDocument(apiRoutes, { version: rt.config.serviceVersion }));
const page = perRuntime(() => renderDocsPage(document() as Parameters<typeof renderDocsPage>[0], ERROR_CODES));

export const routes = [
  bindRoute(getOpenApi, async () => ({ status: 200, body: document() as unknown as Record<string, unknown> })),
  bindRoute(getDocsPage, async () => ({ status: 200, raw: page(), contentType: 'text/html; charset=utf-8' })),
];

export const definitions = docsRoutes;

http('docs', createHttpFunction({ routes, runtime: getRuntime }));
