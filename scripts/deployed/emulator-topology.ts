/**
 * The topology's Pub/Sub resources on the emulator, as modules/pubsub creates them in a project: the
 * topics, one push subscription per concern with its dead-letter topic and max delivery attempts,
 * and each dead-letter topic pushed to the function that records dead letters.
 *
 * One difference, said here and in the README: the emulator spaces redeliveries by about a second
 * and does not follow a retry policy's backoff faithfully, so the policy's backoff (10-600 s in
 * production) is not set; the number of attempts is the topology's.
 */
import { deadLetterTopicOf, topology, type EventFunctionId } from '../../shared/topology/topology';

export interface EmulatorTopologyOptions {
  /** `127.0.0.1:<port>` of the emulator. */
  host: string;
  projectId: string;
  /** The URL Pub/Sub pushes a topic's messages to for an event function. */
  pushEndpoint(fn: EventFunctionId, topic: string): string;
}

export interface CreatedTopology {
  topics: string[];
  subscriptions: string[];
}

async function put(host: string, resource: string, body: unknown): Promise<void> {
  const res = await fetch(`http://${host}/v1/${resource}`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  // 409: it exists already (a restarted shape on a running emulator).
  if (!res.ok && res.status !== 409) throw new Error(`Pub/Sub emulator refused PUT ${resource}: ${res.status} ${await res.text()}`);
}

export async function applyTopologyToEmulator(o: EmulatorTopologyOptions): Promise<CreatedTopology> {
  const project = `projects/${o.projectId}`;
  const subscriptions = Object.entries(topology.subscriptions);
  const deadLetterFn = topology.deadLetters.function;
  const topics = [...Object.keys(topology.topics), ...subscriptions.map(([name]) => deadLetterTopicOf(name))];
  await Promise.all(topics.map((t) => put(o.host, `${project}/topics/${t}`, {})));
  const created: string[] = [];
  await Promise.all(
    subscriptions.flatMap(([name, s]) => {
      const deadLetterTopic = deadLetterTopicOf(name);
      created.push(name, deadLetterTopic);
      return [
        put(o.host, `${project}/subscriptions/${name}`, {
          topic: `${project}/topics/${s.topic}`,
          pushConfig: { pushEndpoint: o.pushEndpoint(s.function, s.topic) },
          ackDeadlineSeconds: topology.delivery.ackDeadlineSeconds,
          deadLetterPolicy: { deadLetterTopic: `${project}/topics/${deadLetterTopic}`, maxDeliveryAttempts: topology.delivery.maxDeliveryAttempts },
        }),
        put(o.host, `${project}/subscriptions/${deadLetterTopic}`, {
          topic: `${project}/topics/${deadLetterTopic}`,
          pushConfig: { pushEndpoint: o.pushEndpoint(deadLetterFn, deadLetterTopic) },
          ackDeadlineSeconds: topology.delivery.ackDeadlineSeconds,
        }),
      ];
    }),
  );
  return { topics, subscriptions: created };
}
