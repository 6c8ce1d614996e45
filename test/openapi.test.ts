import SwaggerParser from '@apidevtools/swagger-parser';
import request from 'supertest';
import { apiRoutes } from '../shared/api';
import { ERROR_CODES } from '../shared/errors/app-error';
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
      expect(op.responses['400'].content['application/problem+json'].schema.$ref).toBe('#/components/schemas/Problem');
    }
    const documented = Object.values(body.paths as Record<string, object>).flatMap((methods) => Object.keys(methods));
    expect(documented).toHaveLength(apiRoutes.length);
  });

  it('documents query parameters as validated, e.g. limit 1..100', async () => {
    const { body } = await request(app.server).get('/api/v1/openapi.json').expect(200);
    const limit = body.paths['/api/v1/fiscal-services'].get.parameters.find((p: { name: string }) => p.name === 'limit');
    expect(limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 20 });
  });
});

describe('GET /api/v1/docs', () => {
  it('is an HTML page listing every route and every error code', async () => {
    const res = await request(app.server).get('/api/v1/docs').expect(200).expect('Content-Type', /text\/html/);
    for (const route of apiRoutes) expect(res.text).toContain(`id="${route.operationId}"`);
    for (const code of Object.keys(ERROR_CODES)) expect(res.text).toContain(`id="problem-${code}"`);
  });
});
