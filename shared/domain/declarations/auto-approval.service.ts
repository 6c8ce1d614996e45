/** Ministries' auto-approval thresholds: read, and set by an admin with the change in the audit log. */
import type { Database } from '../../ports/database.port';
import { NotFoundError } from '../../errors/app-error';
import type { Clock } from '../../ports/clock.port';
import type { AuditLog } from '../audit/audit-log';
import type { Principal } from '../identity/principal';
import { findAutoApprovalThreshold, setAutoApprovalThreshold } from './declarations.repository';

export interface AutoApproval {
  ministry: string;
  /** Integer XAF: a paid service fee at or below it is approved at once; 0 = never. */
  threshold: number;
  currency: 'XAF';
}

const unknown = (ministry: string) => new NotFoundError(`No ministry ${ministry}.`);

export function createAutoApprovalService(deps: { db: Database; clock: Clock; audit: AuditLog }) {
  return {
    async get(ministry: string): Promise<AutoApproval> {
      const threshold = await findAutoApprovalThreshold(deps.db, ministry);
      if (threshold === undefined) throw unknown(ministry);
      return { ministry, threshold, currency: 'XAF' };
    },

    /** Applies to fees paid from now on; the audit entry keeps the value before and after. */
    async set(actor: Principal, ministry: string, threshold: number, ip: string): Promise<AutoApproval> {
      await deps.db.transaction(async (tx) => {
        const before = await setAutoApprovalThreshold(tx, ministry, threshold);
        if (before === undefined) throw unknown(ministry);
        await deps.audit.record(tx, {
          action: 'ministry.auto_approval_threshold_changed',
          actorId: actor.userId,
          target: `ministry:${ministry}`,
          ip,
          details: { before, after: threshold, currency: 'XAF' },
        });
      });
      return { ministry, threshold, currency: 'XAF' };
    },
  };
}
