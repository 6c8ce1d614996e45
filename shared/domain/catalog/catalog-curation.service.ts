/** Admin corrections to the catalog: each edit is a new catalog version, audited, and clears the cache. */
import type { Database } from '../../ports/database.port';
import { NotFoundError, ValidationError } from '../../errors/app-error';
import type { Logger } from '../../ports/logger.port';
import type { Cache } from '../../ports/cache.port';
import type { Clock } from '../../ports/clock.port';
import type { AuditLog } from '../audit/audit-log';
import type { Principal } from '../identity/principal';
import { createCatalogVersion, findServiceByCode, updateService, type ServiceEdit } from './catalog.repository';
import { TAXONOMY_KEY } from './catalog.service';

export interface ServiceCorrection {
  expeditionAmount?: number | null | undefined;
  renewalAmount?: number | null | undefined;
  names?: Partial<Record<'es' | 'fr' | 'en', string>> | undefined;
  active?: boolean | undefined;
  /** Data-quality flags the admin has reviewed and closes. */
  clearFlags?: string[] | undefined;
  note?: string | undefined;
}

export function createCatalogCurationService(deps: { db: Database; cache: Cache; clock: Clock; audit: AuditLog; logger: Logger }) {
  return {
    async correct(actor: Principal, code: string, change: ServiceCorrection, ip: string): Promise<number> {
      const version = await deps.db.transaction(async (tx) => {
        const before = await findServiceByCode(tx, code);
        if (!before) throw new NotFoundError(`No fiscal service has code ${code}.`);
        const notOpen = (change.clearFlags ?? []).filter((f) => !before.flags.includes(f));
        if (notOpen.length) {
          throw new ValidationError(
            `${code} has no open flag ${notOpen.join(', ')}; its flags are: ${before.flags.join(', ') || 'none'}.`,
            notOpen.map((f) => ({ path: 'body.clearFlags', message: `not an open flag: ${f}` })),
          );
        }
        const edit: ServiceEdit = {
          expeditionAmount: change.expeditionAmount,
          renewalAmount: change.renewalAmount,
          names: change.names,
          active: change.active,
          ...(change.clearFlags?.length ? { flags: before.flags.filter((f) => !change.clearFlags!.includes(f)) } : {}),
        };
        const now = deps.clock.now();
        const version = await createCatalogVersion(tx, change.note?.trim() || `${code} corrected`, now);
        await updateService(tx, code, edit, version, now);
        const after = (await findServiceByCode(tx, code))!;
        const pick = (s: typeof before) => ({
          expeditionAmount: s.expeditionAmount,
          renewalAmount: s.renewalAmount,
          names: s.names,
          active: s.active,
          flags: s.flags,
          payableOnline: s.payableOnline,
        });
        await deps.audit.record(tx, {
          action: 'catalog.service_corrected',
          actorId: actor.userId,
          target: `fiscal-service:${code}`,
          ip,
          details: { version, before: pick(before), after: pick(after), note: change.note ?? null },
        });
        return version;
      });
      await deps.cache.del(TAXONOMY_KEY).catch((err: unknown) => deps.logger.warning('could not invalidate the catalog cache; entries expire by TTL', { err }));
      return version;
    },
  };
}
