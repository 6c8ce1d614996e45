import { createLogger } from '../../logging/logger';
import { createFixedClock } from '../../ports/clock.port';
import { createSequentialIds } from '../../ports/ids.port';
import type { OutgoingMessage } from '../../ports/notifier.port';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { createChannelNotifiers } from './channel-notifiers';
import { startFakeProviderServer, type FakeProviderServer } from './fake-provider-server';

let t: TestDatabase;
let server: FakeProviderServer;
beforeAll(async () => {
  [t, server] = await Promise.all([createTestDatabase(), startFakeProviderServer()]);
});
afterAll(() => Promise.all([t.drop(), server.close()]));

const payload = { fullName: 'Ana Nsue', reference: 'PAY-2026-000001', declarationId: 'd-1', amount: 2000 };
const message = (channel: OutgoingMessage['channel'], recipient: string): OutgoingMessage => ({
  channel,
  recipient,
  template: 'payment-received',
  locale: 'es',
  payload,
});

function deps() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'info', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  return { lines, deps: { db: t.db, clock: createFixedClock(), ids: createSequentialIds(), logger } };
}

describe('channel notifiers', () => {
  it('uses each configured provider and the outbox for the rest, and says which at start', async () => {
    const { lines, deps: d } = deps();
    const notifiers = createChannelNotifiers(
      {
        mailgun: { apiKey: 'k', domain: 'mg.taxasge.gq', baseUrl: server.url, from: 'TaxasGE <no-reply@mg.taxasge.gq>', timeoutMs: 1000 },
        twilio: { accountSid: 'AC0123', authToken: 't', from: '+15005550006', baseUrl: server.url, timeoutMs: 1000 },
      },
      d,
    );
    await notifiers.email.send(message('email', 'ana@example.gq'));
    await notifiers.sms.send(message('sms', '+240222123456'));
    await notifiers.push.send(message('push', 'token-1'));

    expect(server.requests.map((r) => r.path)).toEqual(['/v3/mg.taxasge.gq/messages', '/2010-04-01/Accounts/AC0123/Messages.json']);
    const { rows } = await t.db.query<{ channel: string; recipient: string }>('SELECT channel, recipient FROM notification_outbox');
    expect(rows).toEqual([{ channel: 'push', recipient: 'token-1' }]);
    expect(lines).toContainEqual(expect.objectContaining({ message: 'notification channels', email: 'mailgun', sms: 'twilio', push: 'outbox' }));
  });

  it('picks FCM for push when it is enabled (firebase-admin is loaded only on the first push)', () => {
    const { lines, deps: d } = deps();
    createChannelNotifiers({ fcm: {} }, d);
    expect(lines).toContainEqual(expect.objectContaining({ message: 'notification channels', email: 'outbox', sms: 'outbox', push: 'fcm' }));
  });
});
