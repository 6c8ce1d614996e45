/** The webhooks Cloud Function: verify BANGE's signature over the raw body, store, publish, answer fast. */
import { http } from '@google-cloud/functions-framework';
import { bangeWebhook, webhookRoutes } from '../../shared/api/webhooks.routes';
import { assertBankConfigured, getConfig } from '../../shared/config/config';
import { AppError } from '../../shared/errors/app-error';
import { createHttpFunction } from '../../shared/http/http-function';
import { pipeline } from '../../shared/runtime/pipeline';
import { bindRoute } from '../../shared/http/request-context';
import { getWebhookIngestion } from '../../shared/runtime/webhooks';

assertBankConfigured(getConfig(), 'webhooks');

export const routes = [
  bindRoute(bangeWebhook, async ({ rawBody, headers }) => {
    const header = headers['x-bange-signature'];
    const outcome = await getWebhookIngestion()(rawBody, Array.isArray(header) ? header.join(',') : header);
    if (outcome === 'malformed')
      throw new AppError('validation_failed', 'The webhook is authentic but its body is not a BANGE event; it was stored for investigation.');
    return { status: 200, body: { received: true, outcome } };
  }),
];

export const definitions = webhookRoutes;

http('webhooks', createHttpFunction({ routes, ...pipeline, maxBodyBytes: 256 * 1024 }));
