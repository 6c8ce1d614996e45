/** Event function on every subscription's dead-letter topic: records each dead letter where the admin lists and replays it. */
import { registerDeadLetterFunction } from '../../shared/adapters/events/pubsub-push';
import { getDeadLetterRecorder } from '../../shared/runtime/bus';
import { getRuntime } from '../../shared/runtime/runtime';

registerDeadLetterFunction('dead-letters', () => ({ logger: getRuntime().logger, sink: (message) => getDeadLetterRecorder().fromPubSub(message) }));
