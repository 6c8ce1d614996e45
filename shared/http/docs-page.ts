/** Renders the OpenAPI document as one self-contained HTML page (no external assets). */

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: Record<string, unknown> }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string }>;
  'x-roles'?: string[];
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function schemaLabel(schema: Record<string, unknown> | undefined): string {
  if (!schema) return '';
  if (Array.isArray(schema.enum)) return (schema.enum as unknown[]).join(' | ');
  const parts = [String(schema.type ?? 'any')];
  if (schema.pattern) parts.push(`pattern ${String(schema.pattern)}`);
  if (schema.minimum !== undefined) parts.push(`≥ ${String(schema.minimum)}`);
  if (schema.maximum !== undefined) parts.push(`≤ ${String(schema.maximum)}`);
  if (schema.default !== undefined) parts.push(`default ${String(schema.default)}`);
  return parts.join(', ');
}

export function renderDocsPage(doc: { info: { title: string; version: string; description?: string }; paths?: Record<string, Record<string, Operation>> }, errorCodes: Record<string, { status: number; title: string }>): string {
  const sections = Object.entries(doc.paths ?? {}).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const params = (op.parameters ?? [])
        .map((p) => `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${p.in}</td><td>${p.required ? 'yes' : ''}</td><td>${escapeHtml(schemaLabel(p.schema))}</td><td>${escapeHtml(p.description ?? '')}</td></tr>`)
        .join('');
      const responses = Object.entries(op.responses ?? {})
        .map(([status, r]) => `<li><b>${status}</b> ${escapeHtml(r.description ?? '')}</li>`)
        .join('');
      return `<section id="${escapeHtml(op.operationId ?? path)}">
  <h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>
  <p>${escapeHtml(op.summary ?? '')}</p>${op.description ? `<p>${escapeHtml(op.description)}</p>` : ''}
  <p class="roles">Who may call it: ${op['x-roles'] ? op['x-roles'].map(escapeHtml).join(', ') : 'anyone (public)'}</p>
  ${params ? `<table><tr><th>parameter</th><th>in</th><th>required</th><th>schema</th><th>description</th></tr>${params}</table>` : ''}
  ${op.requestBody ? '<p>Body: <code>application/json</code> (schema in the OpenAPI document)</p>' : ''}
  <ul>${responses}</ul>
</section>`;
    }),
  );
  const codes = Object.entries(errorCodes)
    .map(([code, e]) => `<tr id="problem-${code}"><td><code>${code}</code></td><td>${e.status}</td><td>${escapeHtml(e.title)}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(doc.info.title)} ${escapeHtml(doc.info.version)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#222}
code{background:#f3f3f3;padding:0 .2em}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}
section{border-top:1px solid #eee;padding:.5rem 0}.m{font-weight:bold;padding:0 .4em;border-radius:3px;color:#fff}
.get{background:#2f7d32}.post{background:#1565c0}.patch,.put{background:#ef6c00}.delete{background:#c62828}.roles{color:#555}</style></head>
<body><h1>${escapeHtml(doc.info.title)} <small>${escapeHtml(doc.info.version)}</small></h1>
<p>${escapeHtml(doc.info.description ?? '')}</p>
<p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1).</p>
<h2>Routes</h2>${sections.join('\n')}
<h2>Error codes</h2><p>Every error is <code>application/problem+json</code> with one of these stable codes.</p>
<table><tr><th>code</th><th>status</th><th>title</th></tr>${codes}</table>
</body></html>`;
}
