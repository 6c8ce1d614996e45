import { captureOutput } from '../../../test/support/captured-output';
import { RecipientUnreachableError } from '../../domain/notifications/delivery-errors';
import type { OutgoingMessage } from '../../ports/notifier.port';
import { decodeBasicAuth, startFakeProviderServer, type FakeProviderServer } from './fake-provider-server';
import { createMailgunNotifier, type MailgunSettings } from './mailgun-email.adapter';

const API_KEY = 'key-mailgun-secret-0123456789';

let server: FakeProviderServer;
let settings: MailgunSettings;
let output: string[];

beforeAll(async () => {
  server = await startFakeProviderServer();
  settings = { apiKey: API_KEY, domain: 'mg.taxasge.gq', baseUrl: `${server.url}/`, from: 'TaxasGE <no-reply@mg.taxasge.gq>', timeoutMs: 10_000 };
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  // Whatever the adapter might print: it must print nothing that matters.
  output = captureOutput();
});
afterEach(() => jest.restoreAllMocks());

const approved: OutgoingMessage = {
  channel: 'email',
  recipient: 'ana@example.gq',
  template: 'declaration-approved',
  locale: 'es',
  payload: { fullName: 'Ana Nsue', kind: 'tax_return', reference: 'DCL-2026-000042', declarationId: 'd-1', amountDue: 150000 },
};

function expectNothingLeaked(err: unknown) {
  const text = `${String(err)} ${output.join('\n')}`;
  expect(text).not.toContain(API_KEY);
  expect(text).not.toContain('ana@example.gq');
  expect(text).not.toContain('150 000');
}

describe('Mailgun email adapter', () => {
  it('posts the rendered email as a form to /v3/<domain>/messages with basic auth api:<key>', async () => {
    server.answer({ status: 200, json: { id: '<20260115.1@mg.taxasge.gq>', message: 'Queued. Thank you.' } });
    await createMailgunNotifier(settings).send(approved);

    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req).toMatchObject({ method: 'POST', path: '/v3/mg.taxasge.gq/messages', contentType: 'application/x-www-form-urlencoded' });
    expect(decodeBasicAuth(req?.authorization)).toBe(`api:${API_KEY}`);
    expect(req?.form).toEqual({
      from: 'TaxasGE <no-reply@mg.taxasge.gq>',
      to: 'ana@example.gq',
      subject: 'Su declaración DCL-2026-000042 ha sido aprobada',
      text: expect.stringContaining('Importe a pagar: 150 000 XAF'),
      'o:tag': 'declaration-approved',
    });
    expect(output).toEqual([]);
  });

  it('throws on a 4xx answer, naming the status and the provider reason without the address', async () => {
    server.answer({ status: 400, json: { message: "'to' parameter is not a valid address: ana@example.gq" } });
    const err = await createMailgunNotifier(settings)
      .send(approved)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    // Retried like any failure: Mailgun's 400 does not say whose parameter was wrong.
    expect(err).not.toBeInstanceOf(RecipientUnreachableError);
    expect(String(err)).toMatch(/Mailgun answered HTTP 400: 'to' parameter is not a valid address: <address>/);
    expectNothingLeaked(err);
  });

  it('throws on refused credentials with a hint, and on 5xx', async () => {
    server.answer({ status: 401, json: { message: 'Forbidden' } }, { status: 503 });
    const notifier = createMailgunNotifier(settings);
    const unauthorised = await notifier.send(approved).catch((e: unknown) => e);
    expect(String(unauthorised)).toMatch(/Mailgun answered HTTP 401: Forbidden; the credentials were refused/);
    const unavailable = await notifier.send(approved).catch((e: unknown) => e);
    expect(String(unavailable)).toMatch(/Mailgun answered HTTP 503; provider error/);
    expectNothingLeaked(unauthorised);
    expectNothingLeaked(unavailable);
  });

  it('throws when Mailgun does not answer within the deadline', async () => {
    server.answer('hang');
    const started = Date.now();
    const err = await createMailgunNotifier({ ...settings, timeoutMs: 300 })
      .send(approved)
      .catch((e: unknown) => e);
    expect(String(err)).toMatch(/Mailgun did not answer within 300 ms/);
    expect(Date.now() - started).toBeLessThan(5000);
    expectNothingLeaked(err);
  });

  it('throws when Mailgun cannot be reached at all', async () => {
    const gone = await startFakeProviderServer();
    await gone.close();
    const err = await createMailgunNotifier({ ...settings, baseUrl: gone.url })
      .send(approved)
      .catch((e: unknown) => e);
    expect(String(err)).toMatch(/Mailgun could not be reached \(ECONNREFUSED\)/);
  });

  it('refuses other channels and unrenderable payloads before calling Mailgun', async () => {
    const notifier = createMailgunNotifier(settings);
    await expect(notifier.send({ ...approved, channel: 'sms' })).rejects.toThrow('the Mailgun notifier sends email; got a message for the sms channel');
    await expect(notifier.send({ ...approved, payload: { fullName: 'Ana' } })).rejects.toThrow(
      /template "declaration-approved" cannot render its payload: kind: /,
    );
    expect(server.requests).toHaveLength(0);
  });
});
