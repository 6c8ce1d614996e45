/**
 * One process serving every function under the paths of firebase.json, each through the
 * functions framework's own Express app (so raw bodies and parsing are as in production).
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { AppError } from '../../shared/errors/app-error';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../../shared/http/problem';
import { functionFor, type Rewrite } from './rewrites';

export const FUNCTIONS_DIR = path.resolve(__dirname, '../../functions');

/** Loads each function module named by a rewrite (registering it with the framework) and returns its app. */
export function loadFunctionApps(rewrites: Rewrite[], functionsDir = FUNCTIONS_DIR): Map<string, RequestListener> {
  const { getTestServer } = require('@google-cloud/functions-framework/testing') as typeof import('@google-cloud/functions-framework/testing');
  const apps = new Map<string, RequestListener>();
  for (const id of new Set(rewrites.map((r) => r.functionId))) {
    const dir = path.join(functionsDir, id);
    if (!existsSync(path.join(dir, 'index.ts')) && !existsSync(path.join(dir, 'index.js'))) continue;
    require(dir);
    const server = getTestServer(id);
    apps.set(id, server.listeners('request')[0] as RequestListener);
  }
  return apps;
}

function sendProblem(res: ServerResponse, error: AppError, instance: string) {
  const { problem } = toProblem(error, instance);
  res.writeHead(problem.status, { 'Content-Type': PROBLEM_CONTENT_TYPE });
  res.end(JSON.stringify(problem));
}

/** A handler the local server answers a path prefix with, ahead of the rewrites (e.g. `/_storage/`, which production serves from Cloud Storage). */
export interface LocalMount {
  prefix: string;
  handler: RequestListener;
}

export function createLocalServer(rewrites: Rewrite[], apps: Map<string, RequestListener>, mounts: LocalMount[] = []): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const pathname = new URL(req.url ?? '/', 'http://local').pathname;
    const mount = mounts.find((m) => pathname.startsWith(m.prefix));
    if (mount) {
      mount.handler(req, res);
      return;
    }
    if (pathname === '/') {
      res.writeHead(302, { Location: '/api/v1/docs' });
      res.end();
      return;
    }
    const functionId = functionFor(rewrites, pathname);
    const app = functionId ? apps.get(functionId) : undefined;
    if (app) {
      app(req, res);
      return;
    }
    const detail = functionId
      ? `${pathname} belongs to the ${functionId} function, which is not part of this build yet.`
      : `No route matches ${req.method} ${pathname}. The API is described at /api/v1/openapi.json.`;
    sendProblem(res, new AppError('route_not_found', detail), pathname);
  });
}

/** Stops accepting connections, lets in-flight requests finish (up to graceMs), then closes the rest. */
export function drain(server: Server, graceMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
