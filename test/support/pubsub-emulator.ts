/** The Pub/Sub emulator for tests: the same launcher `npm run start:deployed` uses. */
export { startPubSubEmulator, type PubSubEmulator, type PubSubEmulatorOptions } from '../../scripts/deployed/pubsub-emulator';
