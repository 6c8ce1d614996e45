/**
 * The rehearsal's and the calibration's HTTP client: keep-alive connections, each request from a loopback address of
 * its visit (127.0.0.2-251), so that the per-address rate limits see many people as in production, not one machine.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Operation } from './flows';

export interface Call {
  op: Operation;
  ms: number;
  status: number;
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

export interface RequestOptions {
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
  /** Which of the 250 client addresses sends it (any integer). */
  from?: number;
}

export interface Client {
  /** A request to the public origin (or an absolute URL); recorded under `op` unless it is null. */
  request(op: Operation | null, method: string, pathOrUrl: string, options?: RequestOptions): Promise<Answer>;
  calls: Call[];
  close(): void;
}

export const clientAddress = (from: number) => `127.0.0.${2 + (((from % 250) + 250) % 250)}`;

export function createClient(baseUrl: string): Client {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const calls: Call[] = [];
  return {
    calls,
    close: () => agent.destroy(),
    request(op, method, pathOrUrl, options = {}) {
      const url = new URL(pathOrUrl.startsWith('http') ? pathOrUrl : `${baseUrl}${pathOrUrl}`);
      const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
      const headers: Record<string, string> = {
        ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      };
      const t0 = performance.now();
      return new Promise<Answer>((resolve, reject) => {
        const req = http.request(url, { method, headers, agent, localAddress: clientAddress(options.from ?? 0) }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (op) calls.push({ op, ms: performance.now() - t0, status });
            const text = Buffer.concat(chunks).toString();
            let body: Record<string, unknown> = {};
            try {
              body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
            } catch {
              body = { text };
            }
            resolve({ status, body });
          });
        });
        req.on('error', reject);
        if (payload !== undefined) req.write(payload);
        req.end();
      });
    },
  };
}
