/**
 * One HTTP request with a text answer, over node:http(s), for the Pub/Sub REST API and the metadata
 * server. Not fetch: the first fetch of a process loads undici, ~17 ms, and ~40 ms under the heap
 * flags the functions are deployed with (V8 then refuses Node's built-in code cache), on the first
 * request of every instance that publishes; node:http is loaded already by the functions framework,
 * node:https costs ~4 ms (~14 ms under those flags), and only on the real service.
 */
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';

export interface HttpCall {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** Aborts the request, whatever stage it is at (AbortSignal.timeout bounds it). */
  signal: AbortSignal;
}

export interface HttpAnswer {
  status: number;
  text: string;
}

export type HttpTransport = (url: string, call: HttpCall) => Promise<HttpAnswer>;

type Send = (url: URL, options: RequestOptions, onResponse: (res: IncomingMessage) => void) => ReturnType<typeof httpRequest>;

let httpsSend: Promise<Send> | undefined;

/** node:https (and TLS) only for the first https URL: the emulator and the metadata server speak plain HTTP. */
function sender(url: URL): Send | Promise<Send> {
  if (url.protocol === 'http:') return httpRequest;
  if (url.protocol !== 'https:') throw new Error(`unsupported protocol ${url.protocol} in ${url.href}`);
  httpsSend ??= import('node:https').then((https) => https.request);
  return httpsSend;
}

/** The global agents keep connections alive (Node ≥ 19), so publishes reuse one TLS session. */
export const nodeHttp: HttpTransport = async (url, { method, headers, body, signal }) => {
  const target = new URL(url);
  const send = await sender(target);
  signal.throwIfAborted();
  const length = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
  return new Promise<HttpAnswer>((resolve, reject) => {
    const req = send(target, { method, headers: { ...headers, ...length }, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // An abort surfaces here as an AbortError whose cause is the signal's reason (a TimeoutError).
    req.on('error', reject);
    req.end(body);
  });
};

/**
 * A failed request in one line: a socket error (`connect ECONNREFUSED …`), or an error carrying the
 * socket error as its cause. Duck-typed: under jest errors may come from another realm and fail
 * `instanceof Error`.
 */
export function describeError(error: unknown): string {
  if (typeof error !== 'object' || error === null || typeof (error as { message?: unknown }).message !== 'string') return String(error);
  const { message, cause } = error as { message: string; cause?: { code?: unknown; message?: unknown } };
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
  return detail ? `${message} (${detail})` : message;
}
