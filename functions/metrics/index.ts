/** The metrics Cloud Function: OpenMetrics text with this instance's counters and gauges read from PostgreSQL. */
import { http } from '@google-cloud/functions-framework';
import { getMetrics, metricsRoutes } from '../../shared/api/metrics.routes';
import { createHttpFunction } from '../../shared/http/http-function';
import { pipeline } from '../../shared/runtime/pipeline';
import { bindRoute } from '../../shared/http/request-context';
import { createMetricsHandler, metricsAccess } from '../../shared/metrics/metrics-endpoint';
import { getRuntime } from '../../shared/runtime/runtime';

export const routes = [
  bindRoute(
    getMetrics,
    createMetricsHandler({
      metrics: () => getRuntime().metrics(),
      access: () => metricsAccess(getRuntime().config),
    }),
  ),
];

export const definitions = metricsRoutes;

http('metrics', createHttpFunction({ routes, ...pipeline }));
