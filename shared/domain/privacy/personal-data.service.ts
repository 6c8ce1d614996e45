/** A person's rights over their data: everything about them as JSON, and erasure of what the law does not require to keep. */
import type { Database } from '../../ports/database.port';
import { AppError, NotFoundError } from '../../errors/app-error';
import type { Clock } from '../../ports/clock.port';
import type { ObjectStorage } from '../../ports/object-storage.port';
import type { AuditLog } from '../audit/audit-log';
import { verifyPassword } from '../identity/password';
import { findUserById } from '../identity/users.repository';
import { toE164 } from '../notifications/phone-number';
import { DATA_INVENTORY, EXPORTED_TABLES } from './data-inventory';
import * as repo from './personal-data.repository';

export const EXPORT_FORMAT = 'taxasge-personal-data/1';

export interface PersonalDataExport {
  format: typeof EXPORT_FORMAT;
  exportedAt: string;
  userId: string;
  /** Every row about the person, by table, every column but the withheld ones (secrets, hashes). */
  tables: Record<string, Record<string, unknown>[]>;
  withheld: Record<string, string[]>;
  /** Tables that may mention the person but are not exported, and why. */
  notIncluded: { table: string; reason: string }[];
}

export interface ErasureKept {
  data: string;
  where: string[];
  reason: string;
  until: string | null;
}

export interface ErasureResult {
  userId: string;
  erasedAt: string;
  removed: Record<string, number>;
  kept: ErasureKept[];
}

export interface PersonalDataDeps {
  db: Database;
  clock: Clock;
  storage: ObjectStorage;
  audit: AuditLog;
  fiscalRetentionYears: number;
}

/** The addresses messages to the person were sent to: email, phone as typed and in international form, push tokens. */
function addressesOf(user: { email: string; phone: string | null }, devices: string[]): string[] {
  const phone = user.phone ? [user.phone, toE164(user.phone)].filter((p): p is string => Boolean(p)) : [];
  return [...new Set([user.email, ...phone, ...devices])];
}

const addYears = (at: Date, years: number) => {
  const d = new Date(at.getTime());
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d;
};

export function createPersonalDataService(deps: PersonalDataDeps) {
  return {
    async export(userId: string): Promise<PersonalDataExport> {
      const user = await findUserById(deps.db, userId);
      if (!user) throw new NotFoundError('The account no longer exists.');
      const subject = { userId, addresses: addressesOf(user, await repo.deviceTokensOf(deps.db, userId)) };
      const tables: PersonalDataExport['tables'] = {};
      const withheld: PersonalDataExport['withheld'] = {};
      for (const table of EXPORTED_TABLES) {
        const rule = DATA_INVENTORY[table]!.rule;
        const hidden = rule.export ? [...(rule.withheld ?? [])] : [];
        tables[table] = await repo.rowsAbout(deps.db, table, subject, hidden);
        if (hidden.length) withheld[table] = hidden;
      }
      const notIncluded = Object.entries(DATA_INVENTORY).flatMap(([table, e]) =>
        e.rule.export || e.personalData === 'none' ? [] : [{ table, reason: e.rule.reason }],
      );
      return { format: EXPORT_FORMAT, exportedAt: deps.clock.now().toISOString(), userId, tables, withheld, notIncluded };
    },

    /**
     * Erases the account at its owner's request (password confirmed): sessions, devices, messages and
     * everything outside fiscal records go; fiscal records stay for their legal period, with the name
     * and NIF they need, and the response and the audit log say what stayed and why.
     */
    async erase(userId: string, password: string, meta: { ip: string }): Promise<ErasureResult> {
      const user = await findUserById(deps.db, userId);
      if (!user) throw new NotFoundError('The account no longer exists.');
      if (!(await verifyPassword(password, user.passwordHash)))
        throw new AppError('unauthenticated', 'The password is not correct; erasure needs the account password.');
      const now = deps.clock.now();
      return deps.db.transaction(async (tx) => {
        const locked = await repo.lockUser(tx, userId);
        if (!locked) throw new NotFoundError('The account no longer exists.');
        if (locked.erasedAt) throw new AppError('account_already_erased', 'This account was erased already.');
        const fiscal = await repo.fiscalFootprint(tx, userId);
        const until = fiscal.declarations > 0 && fiscal.lastAt ? addYears(fiscal.lastAt, deps.fiscalRetentionYears) : null;
        const removed = await repo.deletePersonalRows(tx, userId, addressesOf(locked, await repo.deviceTokensOf(tx, userId)));
        const objects = await repo.deleteNonFiscalDocuments(tx, userId);
        // Before commit: if the transaction then fails, the request can simply be made again (removal is idempotent).
        for (const name of objects) await deps.storage.remove(name);
        removed.declaration_documents = objects.length;
        removed['declarations.data'] = await repo.emptyNonFiscalDeclarations(tx, userId);
        await repo.anonymiseUser(tx, userId, now, until);
        const kept: ErasureKept[] = [
          {
            data: 'records of security events and privileged actions (may include your email and IP address)',
            where: ['audit_log'],
            reason: 'The audit log is append-only and hash-chained: it proves who did what, so its rows are never edited.',
            until: null,
          },
        ];
        if (until) {
          kept.unshift({
            data: `your ${fiscal.declarations} fiscal record(s): declarations filed or paid, payments, refunds, receipts and their documents, with the name and NIF they are issued to`,
            where: ['users.full_name', 'users.tax_id', 'declarations', 'payments', 'refunds', 'receipts', 'declaration_documents'],
            reason: `Fiscal records are kept ${deps.fiscalRetentionYears} years after the last payment or filing (FISCAL_RETENTION_YEARS); then they are anonymised too.`,
            until: until.toISOString(),
          });
        }
        const result: ErasureResult = { userId, erasedAt: now.toISOString(), removed, kept };
        await deps.audit.record(tx, {
          action: 'privacy.erased',
          actorId: userId,
          target: `user:${userId}`,
          ip: meta.ip,
          details: { removed, kept: kept.map((k) => ({ where: k.where, until: k.until })), fiscalRecords: fiscal.declarations },
        });
        return result;
      });
    },
  };
}

export type PersonalDataService = ReturnType<typeof createPersonalDataService>;
