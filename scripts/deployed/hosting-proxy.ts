/**
 * Firebase Hosting's part on one machine: the public origin, routing each path to the function its
 * firebase.json rewrite names, spread over that function's instances as Cloud Run would. Google's
 * front end appends the client's address to X-Forwarded-For, and Cloud Run's front end then Hosting's; so does this
 * (its own address standing for Hosting's), which TRUSTED_PROXY_HOPS=2 reads. Like Cloud Run, it sends an
 * instance at most `concurrency` requests at once (Terraform's max_instance_request_concurrency); the
 * others wait their turn here, where Cloud Run would hold them while it starts more instances.
 */
import { createServer, request, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { AppError } from '../../shared/errors/app-error';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../../shared/http/problem';
import type { LocalMount } from '../local/local-server';
import { functionFor, type HostingHeaders, type Rewrite } from '../local/rewrites';

/** Response header naming the instance (host:port) that answered. */
export const SERVED_BY = 'x-served-by';

export interface HostingProxyOptions {
  rewrites: Rewrite[];
  /** The URLs of a function's running instances (none while it is down). */
  instances(functionId: string): string[];
  /** Paths this origin answers itself, ahead of the rewrites (local storage, the scheduler's run-now). */
  mounts?: LocalMount[];
  /** firebase.json's `headers`, added to the responses of matching paths as Hosting does. */
  headers?: HostingHeaders[];
  /** Requests one instance serves at once (undefined: no limit). */
  concurrency?: number;
}

function sendProblem(res: ServerResponse, error: AppError, instance: string) {
  const { problem } = toProblem(error, instance);
  res.writeHead(problem.status, { 'Content-Type': PROBLEM_CONTENT_TYPE });
  res.end(JSON.stringify(problem));
}

/** The proxy's server, and how many requests wait for a free instance of a function. */
export type HostingProxy = Server & { waiting(functionId: string): number };

export function createHostingProxy(options: HostingProxyOptions): HostingProxy {
  const limit = options.concurrency ?? Infinity;
  /** Requests under way per instance URL. */
  const inFlight = new Map<string, number>();
  /** Requests waiting for a free instance, per function, in arrival order. */
  const waiting = new Map<string, (() => void)[]>();

  const next = new Map<string, number>();

  /** The next instance in turn that has room, or undefined when all are full. */
  function pick(instances: string[], functionId: string): string | undefined {
    const first = next.get(functionId) ?? 0;
    for (let k = 0; k < instances.length; k++) {
      const i = (first + k) % instances.length;
      if ((inFlight.get(instances[i]!) ?? 0) < limit) {
        next.set(functionId, (i + 1) % instances.length);
        return instances[i];
      }
    }
    return undefined;
  }

  function dispatch(functionId: string, req: IncomingMessage, res: ServerResponse, pathname: string) {
    const instances = options.instances(functionId);
    if (!instances.length)
      return sendProblem(res, new AppError('service_unavailable', `The ${functionId} function has no running instance; try again.`), pathname);
    const target = pick(instances, functionId);
    if (target === undefined) {
      const queue = waiting.get(functionId) ?? [];
      waiting.set(functionId, queue);
      const retry = () => dispatch(functionId, req, res, pathname);
      queue.push(retry);
      // A caller that gives up while waiting leaves the queue.
      res.once('close', () => queue.includes(retry) && queue.splice(queue.indexOf(retry), 1));
      return;
    }
    inFlight.set(target, (inFlight.get(target) ?? 0) + 1);
    res.once('close', () => {
      inFlight.set(target, inFlight.get(target)! - 1);
      waiting.get(functionId)?.shift()?.();
    });
    forward(req, res, target, pathname);
  }

  function forward(req: IncomingMessage, res: ServerResponse, target: string, pathname: string) {
    const url = new URL(req.url ?? '/', target);
    const forwardedFor = [req.headers['x-forwarded-for'], req.socket.remoteAddress, req.socket.localAddress].flat().filter(Boolean).join(', ');
    const headers: OutgoingHttpHeaders = { ...req.headers, 'x-forwarded-for': forwardedFor, 'x-forwarded-proto': 'http' };
    const upstream = request(url, { method: req.method, headers }, (answer) => {
      // Which instance answered: Hosting does not say, but tests of several instances need to know.
      const added = (options.headers ?? []).filter((h) => h.regex.test(pathname)).map((h) => h.headers);
      res.writeHead(answer.statusCode ?? 502, Object.assign({ ...answer.headers, [SERVED_BY]: url.host }, ...added));
      answer.pipe(res);
    });
    upstream.on('error', (err) => {
      if (res.headersSent) return void res.destroy(err);
      sendProblem(res, new AppError('service_unavailable', `The function serving ${pathname} did not answer (${err.message}); try again.`), pathname);
    });
    req.pipe(upstream);
  }

  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://hosting').pathname;
    const mount = options.mounts?.find((m) => pathname.startsWith(m.prefix));
    if (mount) return void mount.handler(req, res);
    if (pathname === '/') {
      res.writeHead(302, { Location: '/api/v1/docs' });
      return void res.end();
    }
    const functionId = functionFor(options.rewrites, pathname);
    if (!functionId)
      return sendProblem(
        res,
        new AppError('route_not_found', `No route matches ${req.method} ${pathname}. The API is described at /api/v1/openapi.json.`),
        pathname,
      );
    dispatch(functionId, req, res, pathname);
  });
  return Object.assign(server, { waiting: (functionId: string) => waiting.get(functionId)?.length ?? 0 });
}
