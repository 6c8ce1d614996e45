/** The health Cloud Function: liveness, readiness of the database and cache, version. */
import { http } from '@google-cloud/functions-framework';
import { getHealth, getLiveness, getReadiness, healthRoutes } from '../../shared/api/health.routes';
import { createHealthService } from '../../shared/domain/health/health.service';
import { createHttpFunction } from '../../shared/http/http-function';
import { bindRoute } from '../../shared/http/request-context';
import { getRuntime, perRuntime } from '../../shared/runtime/runtime';

const health = perRuntime((rt) => createHealthService({ db: rt.db, cache: rt.cache, clock: rt.clock }));
const noStore = { 'Cache-Control': 'no-store' };

export const routes = [
  bindRoute(getHealth, async () => {
    const { config, clock } = getRuntime();
    return {
      status: 200,
      headers: noStore,
      body: { status: 'ok', version: config.serviceVersion, environment: config.environment, timestamp: clock.now().toISOString() },
    };
  }),
  bindRoute(getLiveness, async () => ({ status: 200, headers: noStore, body: { status: 'ok' } })),
  bindRoute(getReadiness, async (_input, ctx) => {
    const readiness = await health().readiness();
    if (!readiness.ready) ctx.logger.warning('not ready', { failing: readiness.failing, checks: readiness.checks });
    return readiness.ready ? { status: 200, headers: noStore, body: readiness } : { status: 503, headers: noStore, body: readiness };
  }),
];

export const definitions = healthRoutes;

http('health', createHttpFunction({ routes, runtime: getRuntime }));
