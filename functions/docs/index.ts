/** The docs Cloud Function: the OpenAPI 3.1 document generated from the route table, and the interactive reference over it. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { http } from '@google-cloud/functions-framework';
import { docsRoutes, getDocsAsset, getDocsPage, getOpenApi, type DOCS_ASSETS } from '../../shared/api/docs.routes';
import { createHttpFunction } from '../../shared/http/http-function';
import { pipeline } from '../../shared/runtime/pipeline';
import { REFERENCE_JS, renderDocsPage } from '../../shared/http/docs-page';
import { bindRoute } from '../../shared/http/request-context';
import { perRuntime } from '../../shared/runtime/runtime';
import type { OpenApiDocument } from './openapi-source';
import { readSwaggerUiFile } from './reference-assets';

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
const page = perRuntime(() => renderDocsPage(document().info));

/**
 * The reference page's own Content-Security-Policy, kept here rather than in shared/http: Swagger UI
 * needs its stylesheet, inline style attributes and data: images, and calls this origin for the
 * document and "Try it out"; nothing from any other origin, and no inline script.
 */
export const DOCS_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const ASSET_TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
// Read once per instance, on first request: ~1.9 MB that most instances (document requests) never need.
const assets = new Map<string, Buffer>();
function asset(file: (typeof DOCS_ASSETS)[number]): Buffer {
  let bytes = assets.get(file);
  if (!bytes) {
    bytes = file === 'reference.js' ? Buffer.from(REFERENCE_JS) : readSwaggerUiFile(__dirname, file);
    assets.set(file, bytes);
  }
  return bytes;
}

export const routes = [
  bindRoute(getOpenApi, async () => ({ status: 200, raw: documentJson(), contentType: 'application/json; charset=utf-8' })),
  bindRoute(getDocsPage, async () => ({
    status: 200,
    raw: page(),
    contentType: 'text/html; charset=utf-8',
    headers: { 'Content-Security-Policy': DOCS_PAGE_CSP },
  })),
  bindRoute(getDocsAsset, async ({ params }) => ({
    status: 200,
    raw: asset(params.file),
    contentType: ASSET_TYPES[path.extname(params.file)]!,
    headers: { 'Cache-Control': 'public, max-age=3600' },
  })),
];

export const definitions = docsRoutes;

http('docs', createHttpFunction({ routes, ...pipeline }));
