/** The health route group: liveness, readiness with named checks, version. */
import { z } from 'zod';
import { defineRoute } from '../http/route';

const Check = z.object({
  status: z.enum(['up', 'down']),
  latencyMs: z.number().int(),
  detail: z.string().optional(),
});

export const ReadinessSchema = z
  .object({
    ready: z.boolean(),
    checks: z.object({
      database: Check,
      cache: Check.extend({ kind: z.enum(['memory', 'upstash']) }),
      pubsub: Check.extend({ kind: z.enum(['pubsub', 'in-process']) }).meta({
        description: 'The event bus: Pub/Sub answers and its topics exist (nothing is published), or the in-process bus of the one-process mode.',
      }),
    }),
    failing: z.array(z.string()).meta({ description: 'Names of the checks that are down.' }),
  })
  .meta({ id: 'Readiness' });

export const getHealth = defineRoute({
  operationId: 'getHealth',
  method: 'get',
  path: '/health',
  summary: 'Service status and version',
  tags: ['health'],
  roles: 'public',
  responses: {
    200: {
      description: 'The service is running',
      schema: z.object({ status: z.literal('ok'), version: z.string(), environment: z.string(), timestamp: z.string() }).meta({ id: 'Health' }),
    },
  },
});

export const getLiveness = defineRoute({
  operationId: 'getLiveness',
  method: 'get',
  path: '/health/live',
  summary: 'Liveness: the process answers',
  tags: ['health'],
  roles: 'public',
  responses: { 200: { description: 'Alive', schema: z.object({ status: z.literal('ok') }) } },
});

export const getReadiness = defineRoute({
  operationId: 'getReadiness',
  method: 'get',
  path: '/health/ready',
  summary: 'Readiness: database, cache and event bus reachable',
  tags: ['health'],
  roles: 'public',
  responses: {
    200: { description: 'Every check is up', schema: ReadinessSchema },
    503: { description: 'A check is down; `failing` names it', schema: ReadinessSchema },
  },
});

export const healthRoutes = [getHealth, getLiveness, getReadiness] as const;
