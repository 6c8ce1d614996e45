/** Builds the OpenAPI 3.1 document from the route table: the schemas that validate are the ones documented. */
import { OpenApiGeneratorV31, OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ProblemSchema } from '../api/common.schemas';
import { REQUEST_EXAMPLES } from '../api/request-examples';
import { ERROR_CODES, type ErrorCode } from '../errors/app-error';
import { problemType, type Problem } from '../errors/problem';
import type { RouteDefinition } from './route';

const COMMON_ERRORS = [400, 500];

function requestExamples(operationId: string) {
  const examples = REQUEST_EXAMPLES[operationId];
  return examples ? { examples: Object.fromEntries(Object.entries(examples).map(([name, value]) => [name, { value }])) } : {};
}

function errorDescription(status: number): string {
  const codes = Object.entries(ERROR_CODES)
    .filter(([, v]) => v.status === status)
    .map(([code]) => `\`${code}\``);
  return `Problem details (${codes.join(', ') || 'error'})`;
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
  conflict: { detail: 'A request with this Idempotency-Key is still being processed; retry in a moment.' },
  already_uploaded: { detail: 'Something was already uploaded as declarations/…/….pdf, and an upload is never replaced. Request a new upload URL to add another document.' },
  payload_too_large: { detail: 'The body is larger than 1 MB.' },
  unsupported_media_type: { detail: 'Send the body as application/json.' },
  rate_limited: { detail: 'More than 600 requests a minute from this address; retry after the Retry-After seconds.' },
  internal_error: { detail: 'Something failed on our side; the instance id identifies it in the logs.' },
  service_unavailable: { detail: 'The bank did not answer in time; retry later.' },
};

/** One example per error code, kept once in components/examples. */
function registerProblemExamples(registry: OpenAPIRegistry): void {
  for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
    const { status, title } = ERROR_CODES[code];
    registry.registerComponent('examples', code, { summary: code, value: { type: problemType(code), title, status, code, ...PROBLEM_DETAILS[code] } satisfies Problem });
  }
}

/** References to the examples of every error code that answers with this status. */
function problemExamples(status: number) {
  const codes = (Object.keys(ERROR_CODES) as ErrorCode[]).filter((code) => ERROR_CODES[code].status === status);
  return Object.fromEntries(codes.map((code) => [code, { $ref: `#/components/examples/${code}` }]));
}

/** Who may call the route, at the top of its description (the reference shows it; `x-roles` carries it for machines). */
function rolesLine(route: RouteDefinition): string {
  return route.roles === 'public' ? '**Roles:** public (no token).' : `**Roles:** ${route.roles.join(', ')} (bearer token).`;
}

/** The Idempotency-Key header of creates, so "Try it out" can send one. */
function idempotencyHeader(mode: 'optional' | 'required') {
  const key = z.string().min(1).max(255).meta({
    description: `${mode === 'required' ? 'Required' : 'Optional'}: any 1-255 visible ASCII characters, e.g. a UUID you keep for retries. The same key with the same body replays the first response for 24 h; with another body, 409 conflict.`,
    example: '7d9f2c4e-1a3b-4c5d-8e6f-0a1b2c3d4e5f',
  });
  return z.object({ 'Idempotency-Key': mode === 'required' ? key : key.optional() });
}

function errorCodesTable(): string {
  const rows = (Object.keys(ERROR_CODES) as ErrorCode[]).map((code) => `| \`${code}\` | ${ERROR_CODES[code].status} | ${ERROR_CODES[code].title} |`);
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
    const errorStatuses = new Set([...COMMON_ERRORS, ...(route.errors ?? []), ...(route.roles === 'public' ? [] : [401, 403])]);
    for (const status of [...errorStatuses].sort()) {
      responses[String(status)] = { description: errorDescription(status), content: { 'application/problem+json': { schema: ProblemSchema, examples: problemExamples(status) } } };
    }
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
