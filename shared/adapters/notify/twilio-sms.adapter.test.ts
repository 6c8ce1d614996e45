import { captureOutput } from '../../../test/support/captured-output';
import { RecipientUnreachableError } from '../../domain/notifications/delivery-errors';
import type { OutgoingMessage } from '../../ports/notifier.port';
import { decodeBasicAuth, startFakeProviderServer, type FakeProviderServer } from './fake-provider-server';
import { createTwilioSmsNotifier, type TwilioSettings } from './twilio-sms.adapter';

const SID = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'twilio-auth-token-secret';

let server: FakeProviderServer;
let settings: TwilioSettings;
let output: string[];

beforeAll(async () => {
  server = await startFakeProviderServer();
  settings = { accountSid: SID, authToken: TOKEN, from: '+15005550006', baseUrl: server.url, timeoutMs: 10_000 };
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  // Whatever the adapter might print: it must print nothing that matters.
  output = captureOutput();
});
afterEach(() => jest.restoreAllMocks());

const paid: OutgoingMessage = {
  channel: 'sms',
  recipient: '+240222123456',
  template: 'payment-received',
  locale: 'en',
  payload: { fullName: 'John Obiang', reference: 'PAY-2026-000007', declarationId: 'd-7', amount: 2000 },
};

function expectNothingLeaked(err: unknown) {
  const text = `${String(err)} ${output.join('\n')}`;
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain('222123456');
  expect(text).not.toContain('2,000 XAF');
}

describe('Twilio SMS adapter', () => {
  it('posts To, From and the short text to the account Messages resource with basic auth sid:token', async () => {
    server.answer({ status: 201, json: { sid: 'SM123', status: 'queued' } });
    await createTwilioSmsNotifier(settings).send(paid);

    const [req] = server.requests;
    expect(req).toMatchObject({ method: 'POST', path: `/2010-04-01/Accounts/${SID}/Messages.json`, contentType: 'application/x-www-form-urlencoded' });
    expect(decodeBasicAuth(req?.authorization)).toBe(`${SID}:${TOKEN}`);
    expect(req?.form).toEqual({
      To: '+240222123456',
      From: '+15005550006',
      Body: 'TaxasGE: we received your payment of 2,000 XAF (ref. PAY-2026-000007). Thank you.',
    });
    expect(output).toEqual([]);
  });

  it('reports a number Twilio says can never take an SMS as unreachable (final), with the code only', async () => {
    server.answer({ status: 400, json: { code: 21211, message: "The 'To' number +240222123456 is not a valid phone number.", status: 400 } });
    const err = await createTwilioSmsNotifier(settings)
      .send(paid)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecipientUnreachableError);
    expect(String(err)).toMatch(/Twilio answered HTTP 400: Twilio error 21211; the recipient cannot be reached/);
    expectNothingLeaked(err);
  });

  it('retries other 4xx (configuration), 429 and 5xx answers', async () => {
    server.answer(
      { status: 400, json: { code: 21408, message: 'Permission to send an SMS has not been enabled for the region' } },
      { status: 429, json: { code: 20429 } },
      { status: 500 },
    );
    const notifier = createTwilioSmsNotifier(settings);
    const errors = [];
    for (let i = 0; i < 3; i++) errors.push(await notifier.send(paid).catch((e: unknown) => e));
    expect(errors.map(String)).toEqual([
      expect.stringMatching(/HTTP 400: Twilio error 21408; expected a 2xx answer/),
      expect.stringMatching(/HTTP 429: Twilio error 20429; rate limited/),
      expect.stringMatching(/HTTP 500; provider error/),
    ]);
    for (const err of errors) {
      expect(err).not.toBeInstanceOf(RecipientUnreachableError);
      expectNothingLeaked(err);
    }
  });

  it('throws when Twilio does not answer within the deadline', async () => {
    server.answer('hang');
    const err = await createTwilioSmsNotifier({ ...settings, timeoutMs: 300 })
      .send(paid)
      .catch((e: unknown) => e);
    expect(String(err)).toMatch(/Twilio did not answer within 300 ms/);
    expectNothingLeaked(err);
  });

  it('refuses other channels', async () => {
    await expect(createTwilioSmsNotifier(settings).send({ ...paid, channel: 'push' })).rejects.toThrow(
      'the Twilio notifier sends SMS; got a message for the push channel',
    );
    expect(server.requests).toHaveLength(0);
  });
});
