/** The BANGE sandbox: a simulated bank serving BANGE's API under `/sandbox/bange/`, with a checkout page and signed webhooks, for development, tests and demos. */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Logger } from '../../../ports/logger.port';
import type { BangeWebhookEvent, BankRefund } from '../../../ports/bank.port';
import type { Clock } from '../../../ports/clock.port';
import { randomIds, type IdGenerator } from '../../../ports/ids.port';
import { createPaymentBodySchema, idempotencyKeySchema, refundBodySchema, statementDateSchema, xafAmountSchema } from '../bange-api.schemas';
import { CHECKOUT_PAGE_CSP, renderCheckoutPage, renderIndexPage, renderUnknownPaymentPage } from './sandbox-checkout.page';
import { bearerMatches, parseKnobs, parseWith, readBody, readJson, sendJson, sendRefusal, type SandboxKnobs } from './sandbox-http';
import { createSandboxStore, SandboxRefusal, toBankPayment, type SandboxPayment } from './sandbox-payments.store';
import { createWebhookSender, type DeliveryAttempt } from './sandbox-webhooks.sender';

export const BANGE_SANDBOX_PREFIX = '/sandbox/bange/';

export interface BangeSandboxOptions {
  /** The bearer key the `/v1/` routes require (BANGE_API_KEY of the adapter talking to it). */
  apiKey: string;
  /** What webhooks are signed with (the first BANGE_WEBHOOK_SECRET of the receiver). */
  webhookSecret: string;
  /** How payers reach this server, e.g. `http://localhost:8080`: checkout URLs start with it. */
  publicBaseUrl: string;
  clock: Clock;
  ids?: IdGenerator;
  logger?: Logger;
  /** Used to deliver webhooks. */
  fetch?: typeof fetch;
  /** Waits before each webhook retry (default 0.5 s, 2 s, 8 s). */
  retryDelaysMs?: number[];
  deliveryTimeoutMs?: number;
}

export interface BangeSandbox {
  handler: RequestListener;
  prefix: typeof BANGE_SANDBOX_PREFIX;
  /** The API's base URL, for the HTTP adapter's BANGE_API_URL. */
  apiUrl: string;
  payments(): SandboxPayment[];
  /** Every webhook delivery attempt so far, with the receiver's status. */
  deliveries(): DeliveryAttempt[];
  /** Waits for the deliveries under way (delayed and retried ones included); held ones are not waited for. */
  settle(): Promise<void>;
  /** Sends the events held by `?outOfOrder=1`, newest first; returns how many. */
  releaseHeld(): number;
}

const extraLineSchema = z.object({
  reference: z.string().trim().min(1, 'expected the reference the line carries'),
  amount: xafAmountSchema,
  type: z.enum(['payment', 'refund']).optional(),
  transactionId: z.string().trim().min(1).optional(),
  at: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time' }).optional(),
});

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  /** The `/v1/` API needs the bearer key; the payer's checkout pages do not. */
  api: boolean;
  run(req: IncomingMessage, res: ServerResponse, params: string[], query: URLSearchParams): Promise<void> | void;
}

export function createBangeSandbox(options: BangeSandboxOptions): BangeSandbox {
  const { apiKey, webhookSecret, clock, logger } = options;
  if (!apiKey || !webhookSecret) throw new TypeError('BANGE sandbox: apiKey and webhookSecret are required');
  const ids = options.ids ?? randomIds;
  const base = options.publicBaseUrl.replace(/\/+$/, '');
  const checkoutPath = (id: string) => `${BANGE_SANDBOX_PREFIX}checkout/${encodeURIComponent(id)}`;
  const store = createSandboxStore({ clock, ids, checkoutUrl: (id) => `${base}${checkoutPath(id)}` });
  const sender = createWebhookSender({
    secret: webhookSecret,
    clock,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(logger ? { logger } : {}),
    ...(options.retryDelaysMs ? { retryDelaysMs: options.retryDelaysMs } : {}),
    ...(options.deliveryTimeoutMs ? { timeoutMs: options.deliveryTimeoutMs } : {}),
  });

  function notify(payment: SandboxPayment, type: BangeWebhookEvent['type'], amount: number, knobs: SandboxKnobs, refund?: BankRefund) {
    if (!knobs.webhook) return null;
    const event: BangeWebhookEvent = {
      id: `evt_${ids.uuid().replace(/-/g, '')}`,
      type,
      createdAt: clock.now().toISOString(),
      data: {
        transactionId: payment.id,
        reference: payment.reference,
        amount,
        currency: payment.currency,
        method: payment.method,
        paidAt: payment.paidAt,
        ...(refund ? { refundId: refund.id, refundReference: refund.reference } : {}),
      },
    };
    sender.send(event, payment.callbackUrl, knobs);
    return { eventId: event.id, type, copies: knobs.duplicates, delayMs: knobs.delayMs, held: knobs.hold };
  }

  function sendPage(res: ServerResponse, status: number, html: string) {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': CHECKOUT_PAGE_CSP, 'cache-control': 'no-store' });
    res.end(html);
  }

  function idempotencyKey(req: IncomingMessage): string {
    const key = req.headers['idempotency-key'];
    if (key === undefined) throw new SandboxRefusal(400, 'idempotency_key_required', 'An Idempotency-Key header is required on this request.');
    return parseWith(idempotencyKeySchema, key, 'Idempotency-Key');
  }

  async function payOrDecline(req: IncomingMessage, res: ServerResponse, id: string, query: URLSearchParams, action: 'pay' | 'decline') {
    await readBody(req); // a form post's empty fields
    // The checkout page's forms: answer with the page again (post/redirect/get), which says what happened.
    const fromPage = (req.headers.accept ?? '').includes('text/html');
    const knobs = parseKnobs(query);
    let payment: SandboxPayment;
    try {
      payment = action === 'pay' ? store.pay(id) : store.decline(id);
    } catch (err) {
      if (!(fromPage && err instanceof SandboxRefusal)) throw err;
      if (err.status === 404) sendPage(res, 404, renderUnknownPaymentPage(id));
      else res.writeHead(303, { location: checkoutPath(id) }).end();
      return;
    }
    const webhook = notify(payment, action === 'pay' ? 'payment.succeeded' : 'payment.failed', payment.amount, knobs);
    if (fromPage) res.writeHead(303, { location: checkoutPath(id) }).end();
    else sendJson(res, 200, { payment: toBankPayment(payment), webhook });
  }

  const routes: Route[] = [
    {
      method: 'GET',
      pattern: /^$/,
      api: false,
      run: (_req, res) => sendPage(res, 200, renderIndexPage(store.list(), BANGE_SANDBOX_PREFIX)),
    },
    {
      method: 'GET',
      pattern: /^checkout\/([^/]+)$/,
      api: false,
      run(_req, res, [id = '']) {
        const payment = store.get(id);
        if (payment) sendPage(res, 200, renderCheckoutPage(payment, checkoutPath(id)));
        else sendPage(res, 404, renderUnknownPaymentPage(id));
      },
    },
    { method: 'POST', pattern: /^checkout\/([^/]+)\/pay$/, api: false, run: (req, res, [id = ''], query) => payOrDecline(req, res, id, query, 'pay') },
    { method: 'POST', pattern: /^checkout\/([^/]+)\/decline$/, api: false, run: (req, res, [id = ''], query) => payOrDecline(req, res, id, query, 'decline') },
    {
      method: 'POST',
      pattern: /^v1\/payments$/,
      api: true,
      async run(req, res) {
        const key = idempotencyKey(req);
        const { payment, replayed } = store.create(await readJson(req, createPaymentBodySchema), key);
        sendJson(res, replayed ? 200 : 201, payment, replayed ? { 'idempotent-replayed': 'true' } : {});
      },
    },
    {
      method: 'GET',
      pattern: /^v1\/payments\/([^/]+)$/,
      api: true,
      run(_req, res, [id = '']) {
        const payment = store.get(id);
        if (!payment) throw new SandboxRefusal(404, 'payment_not_found', `No payment ${id} at this bank.`);
        sendJson(res, 200, toBankPayment(payment));
      },
    },
    {
      method: 'POST',
      pattern: /^v1\/payments\/([^/]+)\/refunds$/,
      api: true,
      async run(req, res, [id = ''], query) {
        const key = idempotencyKey(req);
        const knobs = parseKnobs(query);
        const { amount, reference } = await readJson(req, refundBodySchema);
        const { payment, replayed } = store.refund(id, amount, key, reference);
        const current = store.get(id);
        // A refund without our reference is one started at the bank: it reaches us only as this webhook.
        if (!replayed && current) notify(current, 'payment.refunded', amount, knobs, current.refunds?.at(-1));
        sendJson(res, replayed ? 200 : 201, payment, replayed ? { 'idempotent-replayed': 'true' } : {});
      },
    },
    {
      method: 'GET',
      pattern: /^v1\/statements\/([^/]+)$/,
      api: true,
      run(_req, res, [raw = '']) {
        const date = parseWith(statementDateSchema, raw, 'date');
        sendJson(res, 200, { date, lines: store.statement(date) });
      },
    },
    {
      method: 'POST',
      pattern: /^v1\/statements\/([^/]+)\/lines$/,
      api: true,
      async run(req, res, [raw = '']) {
        const date = parseWith(statementDateSchema, raw, 'date');
        sendJson(res, 201, store.addStatementLine(date, await readJson(req, extraLineSchema)));
      },
    },
    {
      method: 'GET',
      pattern: /^v1\/deliveries$/,
      api: true,
      run(_req, res, _params, query) {
        const transactionId = query.get('transactionId');
        const items = sender.attempts().filter((a) => !transactionId || a.transactionId === transactionId);
        sendJson(res, 200, { items, held: sender.heldCount() });
      },
    },
    { method: 'POST', pattern: /^v1\/webhooks\/release$/, api: true, run: (_req, res) => sendJson(res, 200, { released: sender.release() }) },
  ];

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    if (!url.pathname.startsWith(BANGE_SANDBOX_PREFIX))
      throw new SandboxRefusal(404, 'route_not_found', `The sandbox serves paths under ${BANGE_SANDBOX_PREFIX}.`);
    const path = url.pathname.slice(BANGE_SANDBOX_PREFIX.length);
    const matching = routes.map((route) => ({ route, match: route.pattern.exec(path) })).filter((m) => m.match);
    if (matching.length === 0) throw new SandboxRefusal(404, 'route_not_found', `No sandbox route ${req.method} ${url.pathname}.`);
    const found = matching.find((m) => m.route.method === req.method);
    if (!found?.match) throw new SandboxRefusal(405, 'method_not_allowed', `${url.pathname} accepts ${matching.map((m) => m.route.method).join(', ')}.`);
    if (found.route.api && !bearerMatches(req.headers.authorization, apiKey)) {
      throw new SandboxRefusal(401, 'unauthorized', 'Expected Authorization: Bearer <API key>, the key this sandbox was started with (BANGE_API_KEY).');
    }
    const params = found.match.slice(1).map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        throw new SandboxRefusal(400, 'invalid_request', `${url.pathname} is not a valid path (bad percent-encoding).`);
      }
    });
    await found.route.run(req, res, params, url.searchParams);
  }

  const handler: RequestListener = (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) return;
      if (err instanceof SandboxRefusal) return sendRefusal(res, err);
      logger?.error('BANGE sandbox request failed', { err, path: req.url });
      sendRefusal(res, new SandboxRefusal(500, 'internal_error', 'The sandbox failed; see the server log.'));
    });
  };

  return {
    handler,
    prefix: BANGE_SANDBOX_PREFIX,
    apiUrl: `${base}${BANGE_SANDBOX_PREFIX.replace(/\/$/, '')}`,
    payments: () => store.list(),
    deliveries: () => sender.attempts(),
    settle: () => sender.settle(),
    releaseHeld: () => sender.release(),
  };
}
