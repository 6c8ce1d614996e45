import type { Message } from 'firebase-admin/messaging';
import { RecipientUnreachableError } from '../../domain/notifications/delivery-errors';
import type { OutgoingMessage } from '../../ports/notifier.port';
import { createFcmPushNotifier, loadFirebaseMessaging, type PushSender } from './fcm-push.adapter';

const TOKEN = 'fcm-device-token-abcdef0123456789';

const rejected: OutgoingMessage = {
  channel: 'push',
  recipient: TOKEN,
  template: 'declaration-rejected',
  locale: 'fr',
  payload: { fullName: 'Marie Ela', kind: 'service_fee', reference: 'DCL-2026-000099', declarationId: 'd-99', reason: 'Photo illisible', refundDue: true },
};

function fakeSender(fail?: (n: number) => unknown): PushSender & { sent: Message[] } {
  const sent: Message[] = [];
  return {
    sent,
    async send(message) {
      const error = fail?.(sent.length + 1);
      sent.push(message);
      if (error) throw error;
      return `projects/demo/messages/${sent.length}`;
    },
  };
}

describe('FCM push adapter', () => {
  it('sends the subject as title and the short text as body to the device token, with the data the app opens', async () => {
    const sender = fakeSender();
    await createFcmPushNotifier({}, { load: async () => sender }).send(rejected);
    expect(sender.sent).toEqual([
      {
        token: TOKEN,
        notification: {
          title: 'Votre demande DCL-2026-000099 a été refusée',
          body: 'TaxasGE : votre demande DCL-2026-000099 a été refusée. Motif : Photo illisible',
        },
        data: { template: 'declaration-rejected', declarationId: 'd-99' },
      },
    ]);
  });

  it('loads the SDK once, on the first send, and again after a failed load', async () => {
    const sender = fakeSender();
    const load = jest.fn().mockRejectedValueOnce(new Error('no credentials')).mockResolvedValue(sender);
    const notifier = createFcmPushNotifier({ projectId: 'demo-taxasge' }, { load });
    expect(load).not.toHaveBeenCalled();
    await expect(notifier.send(rejected)).rejects.toThrow('no credentials');
    await notifier.send(rejected);
    await notifier.send(rejected);
    expect(load).toHaveBeenCalledTimes(2);
    expect(load).toHaveBeenCalledWith({ projectId: 'demo-taxasge' });
    expect(sender.sent).toHaveLength(2);
  });

  it('reports a dead token as unreachable (final) and other FCM errors as retryable, by code only', async () => {
    const codes = ['messaging/registration-token-not-registered', 'messaging/invalid-registration-token', 'messaging/server-unavailable'];
    const sender = fakeSender((n) => Object.assign(new Error(`token ${TOKEN} is bad`), { code: codes[n - 1] }));
    const notifier = createFcmPushNotifier({}, { load: async () => sender });
    const errors = [];
    for (let i = 0; i < 3; i++) errors.push(await notifier.send(rejected).catch((e: unknown) => e));
    expect(errors[0]).toBeInstanceOf(RecipientUnreachableError);
    expect(errors[1]).toBeInstanceOf(RecipientUnreachableError);
    expect(errors[2]).not.toBeInstanceOf(RecipientUnreachableError);
    expect(String(errors[0])).toMatch(/FCM refused the device token \(messaging\/registration-token-not-registered\)/);
    expect(String(errors[2])).toMatch(/FCM could not send the push \(messaging\/server-unavailable\)/);
    for (const err of errors) expect(String(err)).not.toContain(TOKEN);
  });

  it('refuses other channels without loading the SDK', async () => {
    const load = jest.fn();
    await expect(createFcmPushNotifier({}, { load }).send({ ...rejected, channel: 'email' })).rejects.toThrow(
      'the FCM notifier sends push; got a message for the email channel',
    );
    expect(load).not.toHaveBeenCalled();
  });

  it('builds firebase-admin messaging on a named app, reused by later loads, without any network call', async () => {
    const first = await loadFirebaseMessaging({ projectId: 'demo-taxasge' });
    const again = await loadFirebaseMessaging({ projectId: 'demo-taxasge' });
    expect(typeof first.send).toBe('function');
    expect(again).toBe(first);
    const { getApps } = await import('firebase-admin/app');
    expect(getApps().map((a) => a.name)).toEqual(['taxasge-notifications']);
  });

  it('does not require firebase-admin until the first send', async () => {
    const required: string[] = [];
    await jest.isolateModulesAsync(async () => {
      const sender = fakeSender();
      jest.doMock(
        'firebase-admin/app',
        () => (required.push('app'), { getApps: () => [], initializeApp: () => ({ name: 'taxasge-notifications' }), applicationDefault: () => ({}) }),
      );
      jest.doMock('firebase-admin/messaging', () => (required.push('messaging'), { getMessaging: () => sender }));
      const adapter = (await import('./fcm-push.adapter')) as typeof import('./fcm-push.adapter');
      const notifier = adapter.createFcmPushNotifier({});
      expect(required).toEqual([]);
      await notifier.send(rejected);
      expect(required).toEqual(['app', 'messaging']);
      expect(sender.sent).toHaveLength(1);
    });
    jest.dontMock('firebase-admin/app');
    jest.dontMock('firebase-admin/messaging');
  });
});
