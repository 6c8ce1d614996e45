/** Pub/Sub as the deployed functions publish to it: the emulator, with the port's topics, and push bodies as Pub/Sub delivers them to event functions. */
import { TOPICS, type DomainEvent } from '../../shared/ports/event-bus.port';
import { encodeEventMessage } from '../../shared/adapters/events/pubsub-message';
import { startPubSubEmulator } from '../../scripts/deployed/pubsub-emulator';

/** The project the runtime publishes under when GOOGLE_CLOUD_PROJECT is unset (shared/runtime/events.ts). */
export const PUBSUB_PROJECT = 'taxasge-local';

export interface BenchPubSub {
  host: string;
  stop(): Promise<void>;
}

/** Starts the emulator and creates every topic (over its REST API, so the bench itself never loads the SDK). */
export async function startBenchPubSub(): Promise<BenchPubSub> {
  const emulator = await startPubSubEmulator({ projectId: PUBSUB_PROJECT });
  for (const topic of TOPICS) {
    const res = await fetch(`http://${emulator.host}/v1/projects/${PUBSUB_PROJECT}/topics/${topic}`, { method: 'PUT' });
    if (!res.ok) {
      await emulator.stop();
      throw new Error(`the Pub/Sub emulator refused topic ${topic}: HTTP ${res.status} ${await res.text()}`);
    }
  }
  return { host: emulator.host, stop: () => emulator.stop() };
}

/** A push delivery as Pub/Sub POSTs it to an event function (the path names the topic, as in our Terraform). */
export function pushDelivery(topic: string, subscription: string, event: DomainEvent, messageId: string): { path: string; body: string } {
  const message = encodeEventMessage(event);
  return {
    path: `/projects/${PUBSUB_PROJECT}/topics/${topic}`,
    body: JSON.stringify({
      message: { data: message.data.toString('base64'), attributes: message.attributes, messageId },
      subscription: `projects/${PUBSUB_PROJECT}/subscriptions/${subscription}`,
    }),
  };
}
