/** The interactive API reference: an HTML shell and the script that starts Swagger UI on the OpenAPI document. */

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Starts Swagger UI (served beside it) on the document next to the page, with nothing fetched from
 * elsewhere: no validator badge (validatorUrl null), no remote presets. "Authorize" takes a bearer
 * token; "Try it out" calls this origin. Served as a file, not inline, so the page's CSP allows no inline script.
 */
export const REFERENCE_JS = `'use strict';
window.addEventListener('DOMContentLoaded', function () {
  window.ui = SwaggerUIBundle({
    url: new URL('openapi.json', window.location.href).href,
    dom_id: '#reference',
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    validatorUrl: null,
    deepLinking: true,
    displayOperationId: true,
    displayRequestDuration: true,
    showExtensions: true,
    showCommonExtensions: true,
    defaultModelsExpandDepth: 0,
    docExpansion: 'list',
    filter: true,
    tryItOutEnabled: false,
    persistAuthorization: false,
    onComplete: function () { document.body.setAttribute('data-reference', 'ready'); },
  });
});
`;

/** The page: Swagger UI's stylesheet and bundle, then REFERENCE_JS, all from `assets/` beside it. */
export function renderDocsPage(info: { title: string; version: string }): string {
  const title = `${escapeHtml(info.title)} ${escapeHtml(info.version)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="docs/assets/swagger-ui.css">
</head>
<body>
<noscript><p>This reference needs JavaScript. The same API as an OpenAPI 3.1 document: <a href="openapi.json">/api/v1/openapi.json</a>.</p></noscript>
<div id="reference"></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script src="docs/assets/reference.js"></script>
</body></html>
`;
}
