/** A route declares its method, path, roles and zod schemas; the same object validates, types and documents it. */
import type { z } from 'zod';
import type { Role } from '../domain/identity/roles';
import type { ErrorCode } from '../errors/app-error';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseSpec {
  description: string;
  /** JSON body schema; omit for responses without a JSON body. */
  schema?: z.ZodType;
  /** For non-JSON bodies (HTML, OpenMetrics text). */
  contentType?: string;
}

export interface RouteDefinition {
  operationId: string;
  method: HttpMethod;
  /** OpenAPI-style template: `/api/v1/fiscal-services/{code}`. */
  path: string;
  summary: string;
  description?: string;
  tags: readonly string[];
  /** `public`, or the roles allowed to call it. */
  roles: 'public' | readonly Role[];
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Every status the route answers with on success. Errors are problem+json, listed by identifier. */
  responses: Record<number, ResponseSpec>;
  /** The error identifiers this route answers besides those its shape implies (validation, roles, rate limit, idempotency, server). */
  errors?: readonly ErrorCode[];
  /** Public routes count against the per-address limit unless this is false (bank webhooks). */
  rateLimit?: boolean;
  /** Creates honour the Idempotency-Key header; `required` refuses requests without one. */
  idempotency?: 'optional' | 'required';
  /** Largest body this route accepts, refused before it is read (default: its function's, 1 MiB). */
  maxBodyBytes?: number;
}

export function defineRoute<const D extends RouteDefinition>(definition: D): D {
  return definition;
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteInput<D extends RouteDefinition> {
  params: Out<D['params']>;
  query: Out<D['query']>;
  body: Out<D['body']>;
  headers: Record<string, string | string[] | undefined>;
  rawBody?: Buffer;
}

type JsonResult<D extends RouteDefinition> = {
  [S in keyof D['responses'] & number]: D['responses'][S]['schema'] extends z.ZodType
    ? { status: S; body: z.input<D['responses'][S]['schema']>; headers?: Record<string, string> }
    : D['responses'][S]['contentType'] extends string
      ? never
      : { status: S; headers?: Record<string, string> };
}[keyof D['responses'] & number];

type RawResult<D extends RouteDefinition> = {
  status: keyof D['responses'] & number;
  raw: string | Buffer;
  contentType: string;
  headers?: Record<string, string>;
};

export type RouteResult<D extends RouteDefinition> = JsonResult<D> | RawResult<D>;
