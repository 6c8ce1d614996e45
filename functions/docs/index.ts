/** The docs Cloud Function: the OpenAPI 3.1 document generated from the route table, and its HTML page. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { http } from '@google-cloud/functions-framework';
import { docsRoutes, getDocsPage, getOpenApi } from '../../shared/api/docs.routes';
import { ERROR_CODES } from '../../shared/errors/app-error';
import { createHttpFunction } from '../../shared/http/http-function';
import { renderDocsPage } from '../../shared/http/docs-page';
import { bindRoute } from '../../shared/http/request-context';
import { getRuntime, perRuntime } from '../../shared/runtime/runtime';
import type { OpenApiDocument } from './openapi-source';

/** The document as `npm run build` writes it beside the bundle; absent when the function runs from the sources. */
export const BUILT_DOCUMENT = 'openapi.json';

/** The built document, else the one built from the route table now (npm start, tests). */
export function loadDocument(dir: string, version: string): OpenApiDocument {
  let built: OpenApiDocument | undefined;
  try {
    built = JSON.parse(readFileSync(path.join(dir, BUILT_DOCUMENT), 'utf8')) as OpenApiDocument;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  // The version is the deployment's (SERVICE_VERSION), unknown when the file was written.
  if (built) return { ...built, info: { ...built.info, version } };
  // A path esbuild cannot follow: the route table and zod-to-openapi stay out of the bundle, which never gets here.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const source = require(path.join(dir, 'openapi-source')) as typeof import('./openapi-source');
  return source.buildDocument(version);
}

const document = perRuntime((rt) => loadDocument(__dirname, rt.config.serviceVersion));
// Serialised once: the document is ~100 KB and the same for every request of the instance.
const documentJson = perRuntime(() => JSON.stringify(document()));
const page = perRuntime(() => renderDocsPage(document() as Parameters<typeof renderDocsPage>[0], ERROR_CODES));

export const routes = [
  bindRoute(getOpenApi, async () => ({ status: 200, raw: documentJson(), contentType: 'application/json; charset=utf-8' })),
  bindRoute(getDocsPage, async () => ({ status: 200, raw: page(), contentType: 'text/html; charset=utf-8' })),
];

export const definitions = docsRoutes;

http('docs', createHttpFunction({ routes, runtime: getRuntime }));
