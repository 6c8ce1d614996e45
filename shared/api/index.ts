/** Every route of the API, by group: the input of the OpenAPI document and of route-table tests. */
import type { RouteDefinition } from '../http/route';
import { adminRoutes } from './admin.routes';
import { agentRoutes } from './agent.routes';
import { authRoutes } from './auth.routes';
import { catalogRoutes } from './catalog.routes';
import { declarationRoutes } from './declarations.routes';
import { docsRoutes } from './docs.routes';
import { financeRoutes } from './finance.routes';
import { healthRoutes } from './health.routes';
import { jobsRoutes } from './jobs.routes';
import { paymentRoutes } from './payments.routes';
import { privacyRoutes } from './privacy.routes';
import { webhookRoutes } from './webhooks.routes';
import { metricsRoutes } from './metrics.routes';

export const apiRoutes: readonly RouteDefinition[] = [
  ...authRoutes,
  ...privacyRoutes,
  ...adminRoutes,
  ...financeRoutes,
  ...catalogRoutes,
  ...declarationRoutes,
  ...agentRoutes,
  ...paymentRoutes,
  ...webhookRoutes,
  ...healthRoutes,
  ...docsRoutes,
  ...jobsRoutes,
  ...metricsRoutes,
];
