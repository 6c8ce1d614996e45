/** The metrics route group: OpenMetrics text for Prometheus and Grafana scrapers. */
import { defineRoute } from '../http/route';
import { OPENMETRICS_CONTENT_TYPE } from '../metrics/exposition-renderer';

export const getMetrics = defineRoute({
  operationId: 'getMetrics',
  method: 'get',
  path: '/metrics',
  summary: 'Metrics of this instance and business gauges, as OpenMetrics text',
  description:
    'OpenMetrics 1.0 text (the Prometheus text format 0.0.4 when the Accept header prefers `text/plain`): the counters and ' +
    'histograms of the instance that answers, and gauges read from PostgreSQL at scrape time. Outside development it needs ' +
    '`Authorization: Bearer <METRICS_BEARER_TOKEN>`. Metric names and meanings: docs/OBSERVABILITY.md.',
  tags: ['metrics'],
  roles: 'public',
  responses: { 200: { description: 'The metrics', contentType: OPENMETRICS_CONTENT_TYPE } },
  errors: ['unauthenticated'],
});

export const metricsRoutes = [getMetrics] as const;
