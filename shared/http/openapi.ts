/** Builds the OpenAPI 3.1 document from the route table: the schemas that validate are the ones documented. */
import { OpenApiGeneratorV31, OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ProblemSchema } from '../api/common.schemas';
import { REQUEST_EXAMPLES } from '../api/request-examples';
import { ERROR_CODES, errorCodes, type ErrorCode } from '../errors/app-error';
import { ERROR_STATUS, problemType, type Problem } from './problem';
import type { RouteDefinition } from './route';

function requestExamples(operationId: string) {
  const examples = REQUEST_EXAMPLES[operationId];
  return examples ? { examples: Object.fromEntries(Object.entries(examples).map(([name, value]) => [name, { value }])) } : {};
}

/**
 * Every identifier a route can answer with: those its shape implies (input to validate, a body,
 * roles, the public rate limit, idempotency, the server's own) and those it lists.
 */
export function routeErrorCodes(route: RouteDefinition): ErrorCode[] {
  const codes = new Set<ErrorCode>();
  if (route.params || route.query || route.body) codes.add('validation_failed');
  if (route.body) for (const code of ['malformed_json', 'payload_too_large', 'unsupported_media_type'] as const) codes.add(code);
  if (route.roles !== 'public') codes.add('unauthenticated').add('forbidden');
  else if (route.rateLimit !== false) codes.add('rate_limited');
  if (route.idempotency) codes.add('idempotency_key_reused').add('idempotency_key_in_progress');
  for (const code of route.errors ?? []) codes.add(code);
  codes.add('internal_error').add('service_unavailable');
  return errorCodes.filter((code) => codes.has(code));
}

/** What each error code's problem looks like, for the reference's examples (details are typical, not fixed). */
const PROBLEM_DETAILS: Record<ErrorCode, Pick<Problem, 'detail' | 'errors'>> = {
  validation_failed: { detail: 'body.email: expected an email address', errors: [{ path: 'body.email', message: 'expected an email address' }] },
  malformed_json: { detail: 'Unexpected end of JSON input' },
  unauthenticated: { detail: 'Send an access token as "Authorization: Bearer <token>" (POST /api/v1/auth/login).' },
  forbidden: { detail: 'This route is for agent, supervisor; you are citizen.' },
  not_found: { detail: 'No declaration 0b8f3c1e-6d2a-4f7b-9c3e-2a1d5e7f9b10.' },
  route_not_found: { detail: 'No route GET /api/v1/declaration.' },
  method_not_allowed: { detail: 'DELETE is not allowed on /api/v1/declarations; allowed: GET, POST.' },
  idempotency_key_reused: { detail: 'This Idempotency-Key was already used with a different request body; use a new key for a new request.' },
  idempotency_key_in_progress: { detail: 'A request with this Idempotency-Key is still being processed; retry in a moment.' },
  email_taken: { detail: 'An account with this email already exists; log in or reset its password.' },
  last_active_admin: { detail: 'This is the last active admin; make another account admin first.' },
  admin_self_change: { detail: 'An admin cannot remove their own admin role or suspend themselves; another admin must.' },
  account_already_erased: { detail: 'This account was erased already.' },
  service_not_payable_online: { detail: 'MH-001 cannot be paid online yet: its fee is under review (amount_missing).' },
  transition_not_allowed: { detail: 'Cannot submit this service fee: it is paid; from paid it can: archive.' },
  declaration_closed: { detail: 'Documents cannot be added: the declaration is approved.' },
  claimed_by_another_reviewer: { detail: 'This declaration is claimed by another reviewer until 2026-01-05T12:00:00.000Z.' },
  claim_expired: { detail: 'Your claim on this declaration has expired; claim it again.' },
  declaration_not_payable: { detail: 'Declaration DEC-2026-000042 is draft; only one awaiting payment (or an approved tax return) can be paid.' },
  quote_expired: { detail: 'The quote of DEC-2026-000042 expired at 2026-01-05T12:00:00.000Z; file a new declaration for the current fee.' },
  nothing_to_pay: { detail: 'Declaration DEC-2026-000042 is for 0 XAF; there is nothing to pay.' },
  payment_already_live: { detail: 'Declaration DEC-2026-000042 already has payment PAY-2026-000007 (pending); use it or wait until it expires.' },
  bank_unavailable: { detail: 'BANGE did not accept the payment (timeout); try again in a moment.' },
  payment_not_refundable: { detail: 'Payment PAY-2026-000007 is pending; only received money can be refunded.' },
  declaration_not_rejected: { detail: 'Declaration DEC-2026-000042 is paid; refunds are for rejected declarations.' },
  refund_refused: { detail: 'BANGE refused the refund: the payment is older than 180 days.' },
  already_replayed: { detail: 'Dead letter 0b8f3c1e-6d2a-4f7b-9c3e-2a1d5e7f9b10 was already replayed at 2026-01-05T12:00:00.000Z.' },
  webhook_already_accepted: { detail: 'Webhook evt_123 was accepted already; replay its dead letters instead.' },
  object_name_clash: { detail: 'The object name "a/b" clashes with an existing object that is a prefix of it, or that it is a prefix of.' },
  already_uploaded: {
    detail: 'Something was already uploaded as declarations/…/….pdf, and an upload is never replaced. Request a new upload URL to add another document.',
  },
  payload_too_large: { detail: 'The body is larger than 1 MB.' },
  unsupported_media_type: { detail: 'Send the body as application/json.' },
  rate_limited: { detail: 'More than 600 requests a minute from this address; retry after the Retry-After seconds.' },
  internal_error: { detail: 'Something failed on our side; the instance id identifies it in the logs.' },
  service_unavailable: { detail: 'The bank did not answer in time; retry later.' },
};

/** One example per error code, kept once in components/examples. */
function registerProblemExamples(registry: OpenAPIRegistry): void {
  for (const code of errorCodes) {
    const value = { type: problemType(code), title: ERROR_CODES[code], status: ERROR_STATUS[code], code, ...PROBLEM_DETAILS[code] } satisfies Problem;
    registry.registerComponent('examples', code, { summary: code, value });
  }
}

/** The problem+json answer of one status: its identifiers named in the description, the schema's `code` enum and the examples. */
function problemResponse(codes: readonly ErrorCode[]) {
  return {
    description: `Problem details (${codes.map((code) => `\`${code}\``).join(', ')})`,
    content: {
      'application/problem+json': {
        schema: z.intersection(ProblemSchema, z.object({ code: z.enum(codes as [ErrorCode, ...ErrorCode[]]) })),
        examples: Object.fromEntries(codes.map((code) => [code, { $ref: `#/components/examples/${code}` }])),
      },
    },
  };
}

/** Who may call the route, at the top of its description (the reference shows it; `x-roles` carries it for machines). */
function rolesLine(route: RouteDefinition): string {
  return route.roles === 'public' ? '**Roles:** public (no token).' : `**Roles:** ${route.roles.join(', ')} (bearer token).`;
}

/** The Idempotency-Key header of creates, so "Try it out" can send one. */
function idempotencyHeader(mode: 'optional' | 'required') {
  const key = z
    .string()
    .min(1)
    .max(255)
    .meta({
      description: `${mode === 'required' ? 'Required' : 'Optional'}: any 1-255 visible ASCII characters, e.g. a UUID you keep for retries. The same key with the same body replays the first response for 24 h; with another body, 409 idempotency_key_reused.`,
      example: '7d9f2c4e-1a3b-4c5d-8e6f-0a1b2c3d4e5f',
    });
  return z.object({ 'Idempotency-Key': mode === 'required' ? key : key.optional() });
}

function errorCodesTable(): string {
  const rows = errorCodes.map((code) => `| \`${code}\` | ${ERROR_STATUS[code]} | ${ERROR_CODES[code]} |`);
  return ['| code | status | title |', '|---|---|---|', ...rows].join('\n');
}

export function buildOpenApiDocument(routes: readonly RouteDefinition[], info: { version: string }) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  registerProblemExamples(registry);

  for (const route of routes) {
    const responses: RouteConfig['responses'] = {};
    for (const [status, spec] of Object.entries(route.responses)) {
      responses[status] = spec.schema
        ? { description: spec.description, content: { 'application/json': { schema: spec.schema } } }
        : { description: spec.description, ...(spec.contentType ? { content: { [spec.contentType]: { schema: { type: 'string' } } } } : {}) };
    }
    const byStatus = new Map<number, ErrorCode[]>();
    for (const code of routeErrorCodes(route)) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
    for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) responses[String(status)] = problemResponse(codes);
    registry.registerPath({
      method: route.method,
      path: route.path,
      operationId: route.operationId,
      summary: route.summary,
      description: [rolesLine(route), route.description].filter(Boolean).join('\n\n'),
      tags: [...route.tags],
      ...(route.roles === 'public' ? {} : { security: [{ bearerAuth: [] }], 'x-roles': route.roles }),
      request: {
        ...(route.params ? { params: route.params } : {}),
        ...(route.query ? { query: route.query } : {}),
        ...(route.idempotency ? { headers: idempotencyHeader(route.idempotency) } : {}),
        ...(route.body ? { body: { required: true, content: { 'application/json': { schema: route.body, ...requestExamples(route.operationId) } } } } : {}),
      },
      responses,
    });
  }

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'TaxasGE API',
      version: info.version,
      description:
        'Fiscal services and tax declarations of Equatorial Guinea. Amounts are integer XAF. ' +
        'Errors are RFC 9457 application/problem+json with a stable `code`.\n\n' +
        'Routes marked with a lock need an access token: `POST /api/v1/auth/login`, then **Authorize** with the `accessToken` ' +
        '(locally, `DEMO_PASSWORD=Demo-Passw0rd! npm start` creates demo accounts such as `citizen@demo.taxasge.gq`). ' +
        'Each route says which roles may call it.\n\n## Error codes\n\n' +
        errorCodesTable(),
    },
    servers: [{ url: '/' }],
  });
}
