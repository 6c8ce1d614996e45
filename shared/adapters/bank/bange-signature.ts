/** BANGE webhook signatures (`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`): signed by the sandbox and tests, verified in constant time. */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const BANGE_SIGNATURE_HEADER = 'X-Bange-Signature';
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

export type WebhookSignatureReason = 'missing_header' | 'malformed_header' | 'timestamp_outside_tolerance' | 'no_matching_signature' | 'body_not_raw';

/** The webhook is not provably from BANGE (answer 401); `reason` is stable, the message says what to check. */
export class WebhookSignatureError extends Error {
  constructor(
    readonly reason: WebhookSignatureReason,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookSignatureError';
  }
}

const SCHEME = 'v1';
const TIMESTAMP = /^\d{1,12}$/;

function checkSecret(secret: unknown): asserts secret is string {
  // A misconfiguration, not a bad webhook: a plain error, so the caller answers 500 rather than 401.
  if (typeof secret !== 'string' || secret.length === 0) throw new TypeError('BANGE webhook secret: expected a non-empty string (BANGE_WEBHOOK_SECRET)');
}

/** The hex HMAC of one payload; several of them make a rotation header (`t=…,v1=<old>,v1=<new>`). */
export function computeBangeSignature(rawBody: Buffer | string, secret: string, timestamp: number): string {
  checkSecret(secret);
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/** The `X-Bange-Signature` value for a body, as BANGE sends it. */
export function signBangePayload(rawBody: Buffer | string, secret: string, timestamp: number): string {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new RangeError(`expected a timestamp in whole unix seconds, got ${timestamp}`);
  return `t=${timestamp},${SCHEME}=${computeBangeSignature(rawBody, secret, timestamp)}`;
}

function describeBody(rawBody: unknown): string | undefined {
  if (Buffer.isBuffer(rawBody)) return undefined;
  if (typeof rawBody === 'string') {
    return rawBody === '[object Object]' ? 'a string "[object Object]": an object was converted with String()' : undefined;
  }
  if (rawBody === undefined || rawBody === null) return `${rawBody}: no raw body was captured`;
  if (rawBody instanceof Uint8Array) return 'a Uint8Array that is not a Buffer: wrap it with Buffer.from(bytes)';
  return typeof rawBody === 'object' ? 'an object: it looks like the parsed JSON (req.body)' : `a ${typeof rawBody}`;
}

interface ParsedHeader {
  timestamp: number;
  signatures: string[];
}

function malformed(detail: string): WebhookSignatureError {
  return new WebhookSignatureError('malformed_header', `${BANGE_SIGNATURE_HEADER} is malformed: ${detail}; expected t=<unix seconds>,v1=<hex HMAC-SHA256>`);
}

function parseHeader(header: string): ParsedHeader {
  const timestamps: string[] = [];
  const signatures: string[] = [];
  const schemes = new Set<string>();
  for (const [index, element] of header.split(',').entries()) {
    const item = element.trim();
    if (item === '') continue; // a trailing comma is harmless
    const at = item.indexOf('=');
    // Values are not echoed: the message may end up in logs, and a valid signature is replayable for a while.
    if (at <= 0) throw malformed(`element ${index + 1} is not key=value`);
    const key = item.slice(0, at).trim();
    const value = item.slice(at + 1).trim();
    if (key === 't') timestamps.push(value);
    else if (key === SCHEME) signatures.push(value.toLowerCase());
    else schemes.add(key.slice(0, 10)); // other schemes (v0, a future v2) are ignored, as Stripe does
  }
  if (timestamps.length === 0) throw malformed('no t= timestamp');
  // Which one was signed would be a guess: refuse rather than pick.
  if (timestamps.length > 1) throw malformed(`t= appears ${timestamps.length} times, expected exactly once`);
  const [t] = timestamps as [string];
  if (!TIMESTAMP.test(t)) throw malformed('t= is not a whole number of unix seconds');
  if (signatures.length === 0) {
    throw malformed(`no ${SCHEME}= signature${schemes.size ? ` (found only ${[...schemes].map((s) => `${s}=`).join(', ')}, which are not checked)` : ''}`);
  }
  return { timestamp: Number(t), signatures };
}

export interface VerifyBangeSignatureInput {
  /** The exact bytes received (`req.rawBody` under the functions framework), never the parsed JSON. */
  rawBody: Buffer | string;
  /** The `X-Bange-Signature` header as received (Node joins a repeated header with ", "). */
  header: string | string[] | undefined;
  /** Every secret currently accepted, newest first (rotation on our side: add the new one, later remove the old one). */
  secrets: readonly string[];
  now: Date;
  toleranceSeconds?: number;
}

/** Returns the verified timestamp (unix seconds); throws WebhookSignatureError saying what is wrong. */
export function verifyBangeSignature(input: VerifyBangeSignatureInput): number {
  const { rawBody, header, secrets, now, toleranceSeconds = DEFAULT_SIGNATURE_TOLERANCE_SECONDS } = input;
  if (!Array.isArray(secrets) || secrets.length === 0) throw new TypeError('BANGE webhook secrets: expected at least one (BANGE_WEBHOOK_SECRET)');
  secrets.forEach(checkSecret);

  const bodyProblem = describeBody(rawBody);
  if (bodyProblem) {
    throw new WebhookSignatureError(
      'body_not_raw',
      `The webhook body to verify is ${bodyProblem}. Pass req.rawBody, the exact bytes received, not the parsed JSON: re-serialising changes spacing and key order, so no signature can match.`,
    );
  }

  const value = Array.isArray(header) ? header.join(',') : header;
  if (value === undefined || value.trim() === '') {
    throw new WebhookSignatureError('missing_header', `No ${BANGE_SIGNATURE_HEADER} header: the request was not sent by BANGE, or a proxy dropped the header.`);
  }
  const { timestamp, signatures } = parseHeader(value);

  // Compared as text, not decoded: hex decoding stops at the first bad character, which would let altered signatures pass.
  const given = signatures.map((s) => Buffer.from(s));
  const matched = secrets.some((secret) => {
    const expected = Buffer.from(computeBangeSignature(rawBody, secret, timestamp));
    // The length of a signature is public; only equal-length buffers can be compared in constant time.
    return given.some((g) => g.length === expected.length && timingSafeEqual(g, expected));
  });
  // Signature before time, so a forged or altered webhook is never reported as merely late.
  if (!matched) {
    throw new WebhookSignatureError(
      'no_matching_signature',
      `None of the ${signatures.length} ${SCHEME}= signature(s) matches the body with any of our ${secrets.length} webhook secret(s): the body was altered or re-serialised (verify req.rawBody, byte for byte), or BANGE signs with a secret we do not have (check BANGE_WEBHOOK_SECRET).`,
    );
  }

  const skew = Math.floor(now.getTime() / 1000) - timestamp;
  if (Math.abs(skew) > toleranceSeconds) {
    const when = new Date(timestamp * 1000).toISOString();
    const cause =
      skew > 0
        ? `${skew} s in the past: a replayed or long-delayed delivery, or our clock is ahead`
        : `${-skew} s in the future: BANGE's clock or ours is wrong`;
    throw new WebhookSignatureError(
      'timestamp_outside_tolerance',
      `The signature is authentic but its timestamp ${when} is ${cause}; accepted within ${toleranceSeconds} s.`,
    );
  }
  return timestamp;
}
