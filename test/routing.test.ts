import { readdirSync } from 'node:fs';
import path from 'node:path';
import { apiRoutes } from '../shared/api';
import type { RouteDefinition } from '../shared/http/route';
import { FUNCTIONS_DIR } from '../scripts/local/local-server';
import { topology } from '../shared/topology/topology';
import { functionFor, readRewrites } from '../scripts/local/rewrites';

const rewrites = readRewrites();
const allFunctionIds = readdirSync(FUNCTIONS_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
// Event functions (Pub/Sub consumers) export no routes and have no public path.
const functionIds = allFunctionIds.filter((id) => 'routes' in (require(path.join(FUNCTIONS_DIR, id)) as object));

function samplePath(route: RouteDefinition): string {
  return route.path.replace(/\{\w+\}/g, 'X-001');
}

describe('firebase.json rewrites, functions and the route table agree', () => {
  it('gives every public function folder a rewrite, and none to the internal jobs', () => {
    const targeted = new Set(rewrites.map((r) => r.functionId));
    const internal = (id: string) =>
      (require(path.join(FUNCTIONS_DIR, id)) as { definitions: readonly RouteDefinition[] }).definitions.every((r) => r.path.startsWith('/jobs/'));
    expect(functionIds.filter((id) => !targeted.has(id) && !internal(id))).toEqual([]);
    expect(functionIds.filter((id) => targeted.has(id) && internal(id))).toEqual([]);
  });

  it.each(apiRoutes.map((r) => [r.operationId, r] as const))('routes %s to the function that serves it', (_id, route) => {
    const functionId = route.path.startsWith('/jobs/') ? 'jobs' : functionFor(rewrites, samplePath(route));
    expect(functionId).toBeDefined();
    const mod = require(path.join(FUNCTIONS_DIR, functionId!)) as { definitions: readonly RouteDefinition[]; routes: { definition: RouteDefinition }[] };
    expect(mod.definitions).toContain(route);
    expect(mod.routes.map((r) => r.definition)).toContain(route);
  });

  it('binds each route exactly once across functions, and every bound route is in the route table', () => {
    const bound = functionIds.flatMap((id) => {
      const mod = require(path.join(FUNCTIONS_DIR, id)) as { routes: { definition: RouteDefinition }[] };
      return mod.routes.map((r) => r.definition);
    });
    expect(new Set(bound).size).toBe(bound.length);
    expect(new Set(bound)).toEqual(new Set(apiRoutes));
  });

  it("serves no route from an event function: the folders without routes are the topology's event functions", () => {
    expect(allFunctionIds.filter((id) => !functionIds.includes(id)).sort()).toEqual(Object.keys(topology.eventFunctions).sort());
  });

  it('names every route group of the product, built or not', () => {
    const groups = [
      '/api/v1/auth/login',
      '/.well-known/jwks.json',
      '/api/v1/declarations',
      '/api/v1/agent/queue',
      '/api/v1/payments',
      '/api/v1/receipts/verify',
      '/api/v1/finance/revenue',
      '/api/v1/admin/users',
      '/webhooks/bange',
      '/metrics',
    ];
    expect(groups.map((p) => functionFor(rewrites, p))).toEqual([
      'auth',
      'auth',
      'declarations',
      'agent',
      'payments',
      'payments',
      'admin',
      'admin',
      'webhooks',
      'metrics',
    ]);
  });
});
