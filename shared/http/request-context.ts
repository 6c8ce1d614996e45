/** What a handler gets besides its validated input: the request's logger and trace. */
import type { Principal } from '../domain/identity/principal';
import type { Logger } from '../ports/logger.port';
import type { TraceContext } from '../ports/logger.port';
import type { RouteDefinition, RouteInput, RouteResult } from './route';

export interface RequestContext {
  logger: Logger;
  trace: TraceContext | undefined;
  /** The absolute origin the client used (scheme + host), for links in responses. */
  origin: string;
  /** The client's address as Google's front end saw it. */
  ip: string;
  /** Set on every route that is not public. */
  principal: Principal | undefined;
  /** The request's Idempotency-Key, on routes that take one: a retried request can find what its first attempt started. */
  idempotencyKey?: string | undefined;
}

/**
 * The context of a route: one that is not public always has its principal, and one that requires an
 * Idempotency-Key always has it (the pipeline refused the request otherwise).
 */
export type RouteContext<D extends RouteDefinition> = RequestContext &
  (D['roles'] extends 'public' ? unknown : { principal: Principal }) &
  (D['idempotency'] extends 'required' ? { idempotencyKey: string } : unknown);

export type RouteHandler<D extends RouteDefinition> = (input: RouteInput<D>, ctx: RouteContext<D>) => Promise<RouteResult<D>>;

/** A route definition joined to its handler, with the types erased so routes of any shape can share a table. */
export interface BoundRoute {
  definition: RouteDefinition;
  handler: (input: RouteInput<RouteDefinition>, ctx: RequestContext) => Promise<ErasedResult>;
}

export interface ErasedResult {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  raw?: string | Buffer;
  contentType?: string;
}

export function bindRoute<D extends RouteDefinition>(definition: D, handler: NoInfer<RouteHandler<D>>): BoundRoute {
  return { definition, handler: handler as unknown as BoundRoute['handler'] };
}
