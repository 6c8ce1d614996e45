/** The health Cloud Function: liveness, readiness of the database, cache and event bus, version. */
import { http } from '@google-cloud/functions-framework';
import { inProcessBusProbe } from '../../shared/adapters/events/in-process-bus';
import { createPubSubBus } from '../../shared/adapters/events/pubsub-bus';
import { getHealth, getLiveness, getReadiness, healthRoutes } from '../../shared/api/health.routes';
import { createHealthService } from '../../shared/domain/health/health.service';
import { createHttpFunction } from '../../shared/http/http-function';
import { pipeline } from '../../shared/runtime/pipeline';
import { bindRoute } from '../../shared/http/request-context';
import type { EventBusProbe, Topic } from '../../shared/ports/event-bus.port';
import { getRuntime, perRuntime } from '../../shared/runtime/runtime';
import { topology } from '../../shared/topology/topology';

/**
 * The topics the deployment has (the topology Terraform creates), which the functions publish to. Not
 * every port topic: one the topology lacks does not exist, and probing it would keep readiness at 503.
 */
const DEPLOYED_TOPICS = Object.keys(topology.topics) as Topic[];

/**
 * The publishing bus as shared/runtime/events builds it, from configuration, for its readiness only
 * (nothing is published). Not getPublishingBus: that module wires every consumer of the one-process
 * mode (payments, notifications), which this function would load for nothing.
 */
const eventBus = perRuntime((rt): EventBusProbe => {
  const { eventBus: bus, gcpProject } = rt.config;
  if (bus.kind !== 'pubsub') return inProcessBusProbe;
  return createPubSubBus({
    projectId: gcpProject ?? 'taxasge-local',
    ...(bus.emulatorHost ? { emulatorHost: bus.emulatorHost } : {}),
    logger: rt.logger,
    publishTimeoutMs: bus.publishTimeoutMs,
    probeTopics: DEPLOYED_TOPICS,
  });
});

const health = perRuntime((rt) => createHealthService({ db: rt.db, cache: rt.cache, bus: eventBus(), clock: rt.clock }));
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

http('health', createHttpFunction({ routes, ...pipeline }));
