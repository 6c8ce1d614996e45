/** The webhooks route group: BANGE's signed payment events. */
import { z } from 'zod';
import { defineRoute } from '../http/route';

export const bangeWebhook = defineRoute({
  operationId: 'receiveBangeWebhook',
  method: 'post',
  path: '/webhooks/bange',
  summary: 'BANGE payment events, signed with X-Bange-Signature over the raw body',
  description:
    '200 once stored (duplicates too); 401 for a missing, wrong or stale signature; 400 for an authentic but malformed body (stored for investigation).',
  tags: ['webhooks'],
  roles: 'public',
  rateLimit: false,
  // A BANGE event is under a kilobyte.
  maxBodyBytes: 64 * 1024,
  body: z.unknown(),
  responses: { 200: { description: 'Received', schema: z.object({ received: z.literal(true), outcome: z.string() }).meta({ id: 'WebhookReceipt' }) } },
  errors: ['unauthenticated'],
});

export const webhookRoutes = [bangeWebhook] as const;
