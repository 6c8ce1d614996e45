/** Reading receipts for the payments routes: a payment's receipt, its standing by token or by number, and the keys that verify them. */
import type { Queryable } from '../../ports/database.port';
import type { KeyRing } from '../identity/key-ring';
import type { Payment } from './payment.types';
import { findPayment } from './payments.repository';
import { checkReceiptNumber, checkReceiptToken, type ReceiptStanding } from './receipt-check';
import { receiptVerificationKeys, verifyReceiptToken, type VerifyOutcome } from './receipts';
import { findReceiptByPayment, type StoredReceipt } from './receipts.repository';

export function createReceiptReader(deps: { db: Queryable; keys: () => KeyRing }) {
  /** Every key that ever signed a receipt plus the current signing keys: receipts outlive their signing key. */
  const keys = () => receiptVerificationKeys(deps.db, deps.keys());
  return {
    keys,
    /** The payment's receipt with its verdict against the keys, or undefined before it is issued. */
    async ofPayment(paymentId: string): Promise<{ receipt: StoredReceipt; verdict: VerifyOutcome } | undefined> {
      const receipt = await findReceiptByPayment(deps.db, paymentId);
      return receipt ? { receipt, verdict: await verifyReceiptToken(receipt.token, await keys()) } : undefined;
    },
    byToken: async (token: string): Promise<ReceiptStanding> => checkReceiptToken(deps.db, token, await keys()),
    byNumber: async (number: string, signature: string): Promise<ReceiptStanding> => checkReceiptNumber(deps.db, number, signature, await keys()),
    /** The payment a public return page shows (no owner check: the page shows its status only). */
    payment: (id: string): Promise<Payment | undefined> => findPayment(deps.db, id),
  };
}

export type ReceiptReader = ReturnType<typeof createReceiptReader>;
