import SwaggerParser from '@apidevtools/swagger-parser';
import request from 'supertest';
import { apiRoutes } from '../shared/api';
import { DOCS_ASSETS } from '../shared/api/docs.routes';
import { REQUEST_EXAMPLES } from '../shared/api/request-examples';
import { ERROR_CODES, errorCodes } from '../shared/errors/app-error';
import { ERROR_STATUS } from '../shared/http/problem';
import { routeErrorCodes } from '../shared/http/openapi';
import { createTestApp, type TestApp } from './support/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

describe('GET /api/v1/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const res = await request(app.server).get('/api/v1/openapi.json').expect(200);
    expect(res.body.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(res.body))).resolves.toBeDefined();
  });

  it('documents every route of the route table, with its problems', async () => {
    const { body } = await request(app.server).get('/api/v1/openapi.json').expect(200);
    for (const route of apiRoutes) {
      const op = body.paths[route.path]?.[route.method];
      expect({ route: route.operationId, documented: Boolean(op) }).toEqual({ route: route.operationId, documented: true });
      expect(op.operationId).toBe(route.operationId);
      // Each problem answer is the Problem schema with `code` narrowed to the identifiers of that status.
      expect(op.responses['500'].content['application/problem+json'].schema.allOf[0].$ref).toBe('#/components/schemas/Problem');
    }
    const documented = Object.values(body.paths as Record<string, object>).flatMap((methods) => Object.keys(methods));
    expect(documented).toHaveLength(apiRoutes.length);
  });

  it('documents query parameters as validated, e.g. limit 1..100', async () => {
    const { body } = await request(app.server).get('/api/v1/openapi.json').expect(200);
    const limit = body.paths['/api/v1/fiscal-services'].get.parameters.find((p: { name: string }) => p.name === 'limit');
    expect(limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 20 });
  });
  it('gives every route its roles, every create its Idempotency-Key header, every problem an example per code', async () => {
    const { body } = await request(app.server).get('/api/v1/openapi.json').expect(200);
    for (const route of apiRoutes) {
      const op = body.paths[route.path][route.method];
      expect(op.description.split('\n')[0]).toBe(
        route.roles === 'public' ? '**Roles:** public (no token).' : `**Roles:** ${route.roles.join(', ')} (bearer token).`,
      );
      const key = (op.parameters ?? []).find((p: { in: string; name: string }) => p.in === 'header' && p.name === 'Idempotency-Key');
      expect([route.operationId, key?.required ?? null]).toEqual([route.operationId, route.idempotency ? route.idempotency === 'required' : null]);
      for (const [status, response] of Object.entries(
        op.responses as Record<string, { content?: Record<string, { examples?: Record<string, { $ref: string }> }> }>,
      )) {
        const problem = response.content?.['application/problem+json'];
        if (!problem) continue;
        const codes = routeErrorCodes(route).filter((code) => String(ERROR_STATUS[code]) === status);
        expect(Object.keys(problem.examples ?? {})).toEqual(codes);
      }
    }
    for (const code of errorCodes) {
      expect(body.components.examples[code].value).toMatchObject({
        code,
        status: ERROR_STATUS[code],
        title: ERROR_CODES[code],
        type: `https://taxasge.gq/problems/${code.replace(/_/g, '-')}`,
      });
      expect(body.info.description).toContain(`| \`${code}\` | ${ERROR_STATUS[code]} |`);
    }
  });

  it('lists the error identifiers of each route: createPayment names quote_expired and payment_already_live under 409', async () => {
    const { body } = await request(app.server).get('/api/v1/openapi.json').expect(200);
    const conflict = body.paths['/api/v1/payments'].post.responses['409'];
    const schema = conflict.content['application/problem+json'].schema;
    const codes: string[] =
      schema.properties?.code?.enum ?? schema.allOf?.flatMap((s: { properties?: { code?: { enum?: string[] } } }) => s.properties?.code?.enum ?? []);
    expect(codes).toEqual(expect.arrayContaining(['declaration_not_payable', 'quote_expired', 'nothing_to_pay', 'payment_already_live']));
    expect(conflict.description).toContain('`quote_expired`');
    expect(body.paths['/api/v1/payments'].post.responses['503'].description).toContain('`bank_unavailable`');
    // A read-only route names none of them.
    expect(JSON.stringify(body.paths['/api/v1/payments/{id}'].get.responses)).not.toContain('quote_expired');
  });

  it('gives every request body examples that its route accepts', async () => {
    const { body } = await request(app.server).get('/api/v1/openapi.json').expect(200);
    const withBody = apiRoutes.filter((r) => r.body);
    // A route with a body and no example: add one to shared/api/request-examples.ts.
    expect(Object.keys(REQUEST_EXAMPLES).sort()).toEqual(withBody.map((r) => r.operationId).sort());
    for (const route of withBody) {
      const examples = body.paths[route.path][route.method].requestBody.content['application/json'].examples as Record<string, { value: unknown }>;
      expect(Object.keys(examples).length).toBeGreaterThan(0);
      for (const [name, { value }] of Object.entries(examples)) {
        const parsed = route.body!.safeParse(value);
        expect({ example: `${route.operationId}.${name}`, issues: parsed.success ? [] : parsed.error.issues }).toEqual({
          example: `${route.operationId}.${name}`,
          issues: [],
        });
      }
    }
  });
});

describe('GET /api/v1/docs', () => {
  it('is the reference page: Swagger UI and its start-up script from this origin, under its own CSP', async () => {
    const res = await request(app.server)
      .get('/api/v1/docs')
      .expect(200)
      .expect('Content-Type', /text\/html/);
    const sources = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(sources).toEqual(['docs/assets/swagger-ui.css', 'openapi.json', 'docs/assets/swagger-ui-bundle.js', 'docs/assets/reference.js']);
    expect(res.text).not.toMatch(/<script>/);
    expect(res.headers['content-security-policy']).toContain("script-src 'self';");
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
  });

  it.each(DOCS_ASSETS)('serves %s', async (file) => {
    const res = await request(app.server).get(`/api/v1/docs/assets/${file}`).expect(200);
    expect(res.headers['content-type']).toBe(file.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=3600');
    expect(res.text.length).toBeGreaterThan(file === 'reference.js' ? 200 : 100_000);
  });

  it('serves no other file', async () => {
    for (const file of ['index.html', '..%2F..%2Fpackage.json', 'swagger-ui.js.map']) {
      const res = await request(app.server).get(`/api/v1/docs/assets/${file}`).expect(400);
      expect(res.body.code).toBe('validation_failed');
    }
  });
});
