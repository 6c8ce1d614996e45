/** Declaration services built once per runtime. */
import { createDeclarationService } from '../domain/declarations/declaration.service';
import { createDocumentService } from '../domain/declarations/document.service';
import { createReviewService } from '../domain/declarations/review.service';
import { getOutboxPublisher } from './events';
import { perRuntime } from './runtime';

export const getDeclarationService = perRuntime((rt) => createDeclarationService({ db: rt.db, clock: rt.clock, ids: rt.ids, publisher: getOutboxPublisher() }));

export const getReviewService = perRuntime((rt) => createReviewService({ db: rt.db, clock: rt.clock, ids: rt.ids, publisher: getOutboxPublisher() }));

export const getDocumentService = perRuntime((rt) => createDocumentService({ db: rt.db, clock: rt.clock, ids: rt.ids, storage: rt.storage }));
