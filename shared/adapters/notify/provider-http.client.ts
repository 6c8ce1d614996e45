/** POSTs a form to an email or SMS provider's HTTP API, with basic auth and a deadline; its errors carry no secret and no message text. */
import { RecipientUnreachableError } from '../../domain/notifications/delivery-errors';

export interface FormPost {
  /** Names the provider in errors, e.g. `Mailgun`. */
  provider: string;
  url: string;
  username: string;
  password: string;
  fields: Record<string, string>;
  timeoutMs: number;
  /** The provider's own error code or description, from its JSON error body (scrubbed and shortened here). */
  describe?: (body: unknown) => string | undefined;
  /** True when the answer says the recipient itself cannot be reached: reported as final, not retried. */
  recipientUnreachable?: (status: number, body: unknown) => boolean;
}

const DETAIL_MAX = 100;

/** Provider descriptions sometimes echo the address or number they refused; keep them out of records. */
function scrub(detail: string): string {
  const clean = detail
    .replace(/\S+@\S+/g, '<address>')
    .replace(/\+?\d[\d -]{5,}\d/g, '<number>')
    .replace(/\s+/g, ' ')
    .trim();
  return clean.length <= DETAIL_MAX ? clean : `${clean.slice(0, DETAIL_MAX - 1)}…`;
}

function hint(status: number): string {
  if (status === 401 || status === 403) return 'the credentials were refused: check the API key or token';
  if (status === 404) return 'the account or domain was not found: check the configured domain, account and base URL';
  if (status === 429) return 'rate limited';
  if (status >= 500) return 'provider error';
  return 'expected a 2xx answer';
}

// Duck-typed: fetch's errors may come from another realm (jest's sandbox), where `instanceof Error` fails.
function field(value: unknown, key: 'name' | 'cause' | 'code' | 'message'): unknown {
  return value && typeof value === 'object' && key in value ? (value as Record<string, unknown>)[key] : undefined;
}

function networkProblem(err: unknown, timeoutMs: number): string {
  const name = field(err, 'name');
  if (name === 'TimeoutError' || name === 'AbortError') return `did not answer within ${timeoutMs} ms`;
  const cause = field(err, 'cause');
  const code = field(cause, 'code') ?? field(cause, 'message');
  return `could not be reached${typeof code === 'string' ? ` (${code.slice(0, 60)})` : ''}`;
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return JSON.parse(await response.text()) as unknown;
  } catch {
    return undefined; // An HTML error page or a body cut off by the deadline: the status says enough.
  }
}

/** Resolves when the provider accepted the message (2xx); throws otherwise, so the bus retries. */
export async function postForm(req: FormPost): Promise<void> {
  let response: Response;
  try {
    response = await fetch(req.url, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${req.username}:${req.password}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams(req.fields).toString(),
      signal: AbortSignal.timeout(req.timeoutMs),
      // A redirect would resend the credentials somewhere not configured.
      redirect: 'error',
    });
  } catch (err) {
    throw new Error(`${req.provider} ${networkProblem(err, req.timeoutMs)}`);
  }
  if (response.ok) {
    // Accepted; the body (the provider's message id) is not needed, but the socket must be released.
    await response.body?.cancel().catch(() => undefined);
    return;
  }
  const body = await readJson(response);
  const described = req.describe?.(body);
  const detail = described ? `: ${scrub(described)}` : '';
  const message = `${req.provider} answered HTTP ${response.status}${detail}`;
  if (req.recipientUnreachable?.(response.status, body)) throw new RecipientUnreachableError(`${message}; the recipient cannot be reached`);
  throw new Error(`${message}; ${hint(response.status)}`);
}
