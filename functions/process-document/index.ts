/** Event function on document-uploads (Cloud Storage's finalized objects): checks each uploaded document and reads it by OCR, once per upload. */
import { registerEventFunction } from '../../shared/adapters/events/pubsub-push';
import { documentSubscriptionHandlers } from '../../shared/runtime/documents';
import { eventFunctionBinding } from '../../shared/runtime/subscriptions';

registerEventFunction('process-document', eventFunctionBinding('process-document', documentSubscriptionHandlers));
