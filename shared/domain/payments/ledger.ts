/**
 * The double-entry ledger in integer XAF. A payment debits the money held at BANGE and credits the
 * ministry's revenue; a refund reverses that. Journals are keyed by the bank's transaction or refund
 * id, so the same money can never be booked twice; the database refuses unbalanced journals and edits.
 */
import type { Queryable } from '../../ports/database.port';
import type { IdGenerator } from '../../ports/ids.port';
import { insertJournal, type JournalInput } from './ledger.repository';

export const BANGE_CLEARING = 'asset:bange-clearing';
export const revenueAccount = (ministry: string) => `revenue:${ministry}`;

/** Books the journal; returns false when that external reference was already booked. */
export async function bookJournal(tx: Queryable, ids: IdGenerator, j: JournalInput): Promise<boolean> {
  if (!Number.isSafeInteger(j.amount) || j.amount <= 0) throw new Error(`ledger amounts are positive whole XAF, got ${j.amount}`);
  const [debit, credit] = j.kind === 'payment' ? [BANGE_CLEARING, revenueAccount(j.ministry)] : [revenueAccount(j.ministry), BANGE_CLEARING];
  // The journal and its two entries in one round trip: the entries only when the journal was new.
  return insertJournal(tx, { id: ids.uuid(), ...j, debit, credit });
}
