/** Personal-data services built once per runtime: export and erasure, and the retention policies. */
import { createPersonalDataService } from '../domain/privacy/personal-data.service';
import { createRetentionService } from '../domain/privacy/retention.service';
import { getAuditLog } from './identity';
import { perRuntime } from './runtime';

export const getPersonalDataService = perRuntime((rt) =>
  createPersonalDataService({ db: rt.db, clock: rt.clock, storage: rt.storage, audit: getAuditLog(), fiscalRetentionYears: rt.config.retention.fiscalYears }),
);

export const getRetentionService = perRuntime((rt) =>
  createRetentionService({ db: rt.db, clock: rt.clock, storage: rt.storage, audit: getAuditLog(), settings: rt.config.retention }),
);
