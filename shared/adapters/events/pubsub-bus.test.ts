/** The Pub/Sub bus's REST requests (URL, token, body, batching, retries, errors), against a fake transport; the emulator tests are in test/pubsub. */
import { createLogger } from '../../logging/logger';
import { anEvent } from './event-bus.contract';
import type { HttpAnswer, HttpTransport } from './http-transport';
import { METADATA_TOKEN_URL } from './metadata-token';
import { TOPICS } from '../../ports/event-bus.port';
import { createPubSubBus, type PubSubBusOptions } from './pubsub-bus';
import { decodeEventData } from './pubsub-message';

const logger = createLogger({ level: 'error', write: () => undefined });

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: { messages: { data: string; attributes: Record<string, string> }[] } | undefined;
}

/** A transport that records each request and answers from `answer` (an answer, or a thrown error). */
function fakeTransport(answer: (call: Call, n: number) => HttpAnswer | Promise<HttpAnswer> = (call) => ok(call)) {
  const calls: Call[] = [];
  const fn: HttpTransport = async (url, init) => {
    const call: Call = {
      url,
      method: init.method,
      headers: { ...init.headers },
      body: init.body === undefined ? undefined : (JSON.parse(init.body) as Call['body']),
    };
    calls.push(call);
    return answer(call, calls.length);
  };
  return { fn, calls, publishes: () => calls.filter((c) => c.url.endsWith(':publish')) };
}

const json = (status: number, body: unknown): HttpAnswer => ({ status, text: JSON.stringify(body) });
const ok = (call: Call) => json(200, { messageIds: (call.body?.messages ?? []).map((_, i) => String(1000 + i)) });
const unavailable = () => json(503, { error: { code: 503, status: 'UNAVAILABLE', message: 'The service is currently unavailable.' } });
const tokens = { token: jest.fn(async () => 'tok-1') };

function busWith(transport: HttpTransport, extra: Partial<PubSubBusOptions> = {}) {
  return createPubSubBus({ projectId: 'taxasge-prod', logger, transport, tokens, ...extra });
}

beforeEach(() => tokens.token.mockClear());

it('POSTs the event to the topic on pubsub.googleapis.com with a bearer token, as base64 data and ce-* attributes', async () => {
  const fake = fakeTransport();
  const event = anEvent({ amount: 2000, payer: 'Ñúñez' });
  await busWith(fake.fn).publish('payment-events', event);

  expect(fake.calls).toHaveLength(1);
  const [call] = fake.calls as [Call];
  expect(call.url).toBe('https://pubsub.googleapis.com/v1/projects/taxasge-prod/topics/payment-events:publish');
  expect(call.method).toBe('POST');
  expect(call.headers).toEqual({ 'content-type': 'application/json', authorization: 'Bearer tok-1' });
  const [message] = call.body!.messages;
  expect(decodeEventData(message!.data)).toEqual(event);
  expect(message!.attributes).toMatchObject({ 'content-type': 'application/cloudevents+json', 'ce-id': event.id, 'ce-type': event.type });
});

it('talks to an emulator in plain HTTP without a token, under the topic name given', async () => {
  const fake = fakeTransport();
  const bus = busWith(fake.fn, { emulatorHost: '127.0.0.1:8085', topicName: (t) => `staging-${t}`, tokens: undefined });
  await bus.publish('declaration-events', anEvent());
  expect(fake.calls.map((c) => [c.url, c.headers.authorization])).toEqual([
    ['http://127.0.0.1:8085/v1/projects/taxasge-prod/topics/staging-declaration-events:publish', undefined],
  ]);
});

it('asks the metadata server for the token when none is given, once for several publishes', async () => {
  const fake = fakeTransport((call) =>
    call.url === METADATA_TOKEN_URL ? json(200, { access_token: 'from-metadata', expires_in: 3599, token_type: 'Bearer' }) : ok(call),
  );
  const bus = busWith(fake.fn, { tokens: undefined });
  await bus.publish('payment-events', anEvent());
  await bus.publish('payment-events', anEvent());
  const metadata = fake.calls.filter((c) => c.url === METADATA_TOKEN_URL);
  expect(metadata).toHaveLength(1);
  expect(metadata[0]!.headers).toEqual({ 'Metadata-Flavor': 'Google' });
  expect(fake.publishes().map((c) => c.headers.authorization)).toEqual(['Bearer from-metadata', 'Bearer from-metadata']);
});

it('sends the publishes of one turn in one request per topic, each caller settled with its own message', async () => {
  const fake = fakeTransport();
  const bus = busWith(fake.fn);
  const events = [anEvent(), anEvent(), anEvent(), anEvent()];
  await Promise.all([
    bus.publish('payment-events', events[0]!),
    bus.publish('payment-events', events[1]!),
    bus.publish('notifications', events[2]!),
    bus.publish('payment-events', events[3]!),
  ]);
  const byTopic = Object.fromEntries(
    fake.publishes().map((c) => [c.url.replace(/.*topics\/|:publish/g, ''), c.body!.messages.map((m) => decodeEventData(m.data).id)]),
  );
  expect(byTopic).toEqual({ 'payment-events': [events[0]!.id, events[1]!.id, events[3]!.id], notifications: [events[2]!.id] });
});

it('starts a new request once a batch is full', async () => {
  const fake = fakeTransport();
  const bus = busWith(fake.fn, { maxBatchMessages: 2 });
  await Promise.all([1, 2, 3, 4, 5].map(() => bus.publish('payment-events', anEvent())));
  expect(fake.publishes().map((c) => c.body!.messages.length)).toEqual([2, 2, 1]);
});

it('starts a new request before a batch would outgrow what Pub/Sub takes in one', async () => {
  const fake = fakeTransport();
  const bus = busWith(fake.fn);
  const big = 'x'.repeat(2 * 1024 * 1024); // 2 MiB of data, ~2.7 MiB in base64
  await Promise.all([1, 2, 3].map(() => bus.publish('payment-events', anEvent({ big }))));
  expect(fake.publishes().map((c) => c.body!.messages.length)).toEqual([2, 1]);
});

it('keeps at most maxRequestsInFlight requests per topic: what is published meanwhile leaves together when one returns', async () => {
  const gates: (() => void)[] = [];
  const fake = fakeTransport(async (call) => {
    await new Promise<void>((r) => gates.push(r));
    return ok(call);
  });
  const bus = busWith(fake.fn, { maxRequestsInFlight: 1 });
  const first = bus.publish('payment-events', anEvent());
  await new Promise((r) => setImmediate(r));
  const waiting = [bus.publish('payment-events', anEvent()), bus.publish('payment-events', anEvent())];
  // Another topic has its own slots.
  const other = bus.publish('notifications', anEvent());
  await new Promise((r) => setTimeout(r, 20));
  expect(fake.publishes().map((c) => [c.url.replace(/.*topics\/|:publish/g, ''), c.body!.messages.length])).toEqual([
    ['payment-events', 1],
    ['notifications', 1],
  ]);
  gates.shift()!();
  await first;
  await new Promise((r) => setTimeout(r, 20));
  expect(fake.publishes().map((c) => c.body!.messages.length)).toEqual([1, 1, 2]);
  gates.forEach((open) => open());
  await Promise.all([...waiting, other]);
  await bus.close();
});

it('retries what Pub/Sub may accept later (503, a network error) within the budget', async () => {
  const fake = fakeTransport((call, n) => {
    if (n === 1) return unavailable();
    if (n === 2) throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    return ok(call);
  });
  await busWith(fake.fn, { publishTimeoutMs: 2_000 }).publish('payment-events', anEvent());
  expect(fake.publishes()).toHaveLength(3);
});

it("rejects at once, naming the event, the topic and Google's error, when retrying cannot help", async () => {
  const fake = fakeTransport(() => json(404, { error: { code: 404, status: 'NOT_FOUND', message: 'Resource not found (resource=payment-events).' } }));
  const event = anEvent();
  const rejection = busWith(fake.fn).publish('payment-events', event);
  await expect(rejection).rejects.toThrow(
    new RegExp(
      `^publishing payment.succeeded ${event.id} to Pub/Sub topic payment-events failed after \\d+ ms: HTTP 404 NOT_FOUND: Resource not found \\(resource=payment-events\\)\\.$`,
    ),
  );
  await expect(rejection).rejects.toMatchObject({ cause: { name: 'PublishFailure', retryable: false, status: 404 } });
  expect(fake.publishes()).toHaveLength(1);
});

it('rejects within its budget while Pub/Sub stays unavailable, saying how many attempts were made', async () => {
  const fake = fakeTransport(() => unavailable());
  const started = Date.now();
  await expect(busWith(fake.fn, { publishTimeoutMs: 600 }).publish('payment-events', anEvent())).rejects.toThrow(
    /failed after \d+ ms: HTTP 503 UNAVAILABLE: The service is currently unavailable\. \(\d attempts\)$/,
  );
  // Bounded, not retrying for ever: the margin is wide because a loaded machine delays timers, not because the budget is loose.
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(fake.publishes().length).toBeGreaterThanOrEqual(3);
});

it('bounds an attempt that hangs by the publish budget', async () => {
  // Never answers: only the request's abort signal ends it.
  const hanging: HttpTransport = (_url, { signal }) =>
    new Promise<HttpAnswer>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
  const started = Date.now();
  await expect(busWith(hanging, { publishTimeoutMs: 300 }).publish('notifications', anEvent())).rejects.toThrow(
    /failed after \d+ ms: no answer within the \d+ ms left of the budget$/,
  );
  expect(Date.now() - started).toBeLessThan(5_000);
});

it('does not take an answer without one message id per message for an acknowledgement', async () => {
  const fake = fakeTransport(() => json(200, { messageIds: ['1'] }));
  const bus = busWith(fake.fn);
  const results = await Promise.allSettled([bus.publish('payment-events', anEvent()), bus.publish('payment-events', anEvent())]);
  expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  expect((results[0] as PromiseRejectedResult).reason.message).toMatch(/Pub\/Sub acknowledged 1 of 2 messages/);

  const garbled = busWith(fakeTransport(() => ({ status: 200, text: '<html>gateway</html>' })).fn);
  await expect(garbled.publish('payment-events', anEvent())).rejects.toThrow(/HTTP 200 without messageIds: <html>gateway<\/html>/);
  const proxy = busWith(fakeTransport(() => ({ status: 400, text: '<html>Bad request</html>' })).fn);
  await expect(proxy.publish('payment-events', anEvent())).rejects.toThrow(/HTTP 400: <html>Bad request<\/html>$/);
});

it('sends what is queued and waits for requests in flight on close', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const fake = fakeTransport(async (call) => {
    await gate;
    return ok(call);
  });
  const bus = busWith(fake.fn);
  let published = false;
  void bus.publish('payment-events', anEvent()).then(() => (published = true));
  const closed = bus.close();
  await new Promise((r) => setTimeout(r, 20));
  expect(fake.publishes()).toHaveLength(1);
  expect(published).toBe(false);
  release();
  await closed;
  expect(published).toBe(true);
  await busWith(fake.fn).close(); // nothing to send
});

describe('ping (readiness)', () => {
  const topicJson = (call: Call) => json(200, { name: `projects/taxasge-prod/topics/${call.url.split('/').pop()}` });

  it('GETs each probed topic under its Pub/Sub name with the bearer token, and publishes nothing', async () => {
    const fake = fakeTransport(topicJson);
    const bus = busWith(fake.fn, { topicName: (t) => `prod-${t}`, probeTopics: ['payment-events', 'declaration-events', 'payment-events'] });
    expect(bus.kind).toBe('pubsub');
    await expect(bus.ping()).resolves.toBeUndefined();
    expect(fake.calls.map((c) => [c.method, c.url, c.headers.authorization, c.body])).toEqual([
      ['GET', 'https://pubsub.googleapis.com/v1/projects/taxasge-prod/topics/prod-payment-events', 'Bearer tok-1', undefined],
      ['GET', 'https://pubsub.googleapis.com/v1/projects/taxasge-prod/topics/prod-declaration-events', 'Bearer tok-1', undefined],
    ]);
    expect(fake.publishes()).toEqual([]);
  });

  it('probes every port topic when none are given', async () => {
    const fake = fakeTransport(topicJson);
    await busWith(fake.fn).ping();
    expect(fake.calls.map((c) => c.url.split('/').pop()).sort()).toEqual([...TOPICS].sort());
  });

  it('names the missing topics apart from those Google refuses', async () => {
    const fake = fakeTransport((call) =>
      call.url.endsWith('/payment-events')
        ? json(403, { error: { code: 403, status: 'PERMISSION_DENIED', message: 'User not authorized to perform this action.' } })
        : json(404, { error: { code: 404, status: 'NOT_FOUND', message: 'Resource not found (resource=x).' } }),
    );
    const bus = busWith(fake.fn, { probeTopics: ['payment-events', 'declaration-events', 'notifications'] });
    await expect(bus.ping()).rejects.toThrow(
      'Pub/Sub (https://pubsub.googleapis.com, project taxasge-prod): topic payment-events: HTTP 403 PERMISSION_DENIED: User not authorized to perform this action.; topics declaration-events, notifications not found',
    );
  });

  it('is down within its timeout when Pub/Sub does not answer, and when no token comes', async () => {
    const hanging: HttpTransport = (_url, { signal }) =>
      new Promise<HttpAnswer>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    const started = Date.now();
    await expect(busWith(hanging, { probeTopics: ['payment-events'] }).ping(200)).rejects.toThrow(/: topic payment-events: no answer within \d+ ms$/);
    expect(Date.now() - started).toBeLessThan(5_000);

    const noToken = { token: jest.fn(() => Promise.reject(new Error('the metadata server gave no token: connect ECONNREFUSED 169.254.169.254:80'))) };
    const fake = fakeTransport(topicJson);
    await expect(busWith(fake.fn, { tokens: noToken }).ping()).rejects.toThrow(
      'Pub/Sub (https://pubsub.googleapis.com, project taxasge-prod): no access token: the metadata server gave no token: connect ECONNREFUSED 169.254.169.254:80',
    );
    expect(fake.calls).toEqual([]);
  });
});
