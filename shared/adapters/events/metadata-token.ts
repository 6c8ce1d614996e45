/**
 * OAuth access tokens of the instance's service account, from the GCP metadata server (Cloud Run,
 * Cloud Functions gen2): what google-auth-library does for the SDKs, without loading it (~100 ms
 * and megabytes of heap for one GET).
 */
import { describeError, nodeHttp, type HttpTransport } from './http-transport';

/** The metadata server's token endpoint for the runtime service account. */
export const METADATA_TOKEN_URL = 'http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token';

export interface TokenSource {
  /** A token valid for at least the refresh margin; rejects when none could be had before `signal` aborts. */
  token(signal?: AbortSignal): Promise<string>;
}

export interface MetadataTokenOptions {
  /** Another token endpoint (tests); the metadata server by default. */
  url?: string;
  transport?: HttpTransport;
  now?: () => number;
  /**
   * A token is replaced this long before it expires, so a request never leaves with one about to
   * lapse. The metadata server itself hands out a fresh token once the cached one has under 5 minutes
   * left, so a minute always gets a new one.
   */
  refreshMarginMs?: number;
  /** Upper bound on one request to the metadata server (it answers in about a millisecond). */
  timeoutMs?: number;
}

interface Cached {
  token: string;
  /** Epoch ms after which the token is no longer handed out. */
  useUntil: number;
}

function describe(body: string): string {
  return body.replace(/\s+/g, ' ').trim().slice(0, 200);
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export function createMetadataTokenSource(options: MetadataTokenOptions = {}): TokenSource {
  const url = options.url ?? METADATA_TOKEN_URL;
  const transport = options.transport ?? nodeHttp;
  const now = options.now ?? Date.now;
  const margin = options.refreshMarginMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  let cached: Cached | undefined;
  // Concurrent publishes on a cold instance share one request instead of each asking.
  let pending: Promise<Cached> | undefined;

  async function request(): Promise<Cached> {
    const signal = AbortSignal.timeout(timeoutMs);
    let answer: { status: number; text: string };
    try {
      answer = await transport(url, { method: 'GET', headers: { 'Metadata-Flavor': 'Google' }, signal });
    } catch (err) {
      const reason = signal.aborted ? `no answer within ${timeoutMs} ms` : describeError(err);
      throw new Error(`the metadata server gave no token: ${reason}`, { cause: err });
    }
    const { status, text } = answer;
    if (status !== 200) throw new Error(`the metadata server answered HTTP ${status} for a token: ${describe(text)}`);
    let body: { access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new Error(`the metadata server's token answer is not JSON: ${describe(text)}`);
    }
    if (typeof body.access_token !== 'string' || body.access_token === '' || typeof body.expires_in !== 'number') {
      throw new Error("the metadata server's token answer has no access_token and expires_in");
    }
    // A token with less life than the margin is used for this request only, never cached.
    return { token: body.access_token, useUntil: now() + body.expires_in * 1000 - margin };
  }

  return {
    async token(signal) {
      if (cached && now() < cached.useUntil) return cached.token;
      // The shared request is bounded by its own timeout; each caller stops waiting at its own signal.
      pending ??= request().finally(() => {
        pending = undefined;
      });
      const fresh = await (signal ? untilAborted(pending, signal) : pending);
      if (now() < fresh.useUntil) cached = fresh;
      return fresh.token;
    },
  };
}
