/** History for the data-volume check: paid payments as the pipeline leaves them (payment, declaration, ledger, receipt, webhook, outbox, inbox and delivery rows), inserted in bulk. */
import type { Database } from '../../shared/ports/database.port';
import { BANGE_CLEARING } from '../../shared/domain/payments/ledger';
import { insertPendingPayments } from './fixtures';

/** Adds `count` payments already applied, receipted and notified, with every row their journey writes. */
export async function addPaidHistory(db: Database, ownerId: string, count: number, tag: string): Promise<void> {
  const pending = await insertPendingPayments(db, ownerId, count, tag);
  for (let i = 0; i < pending.length; i += 5000) {
    const ids = pending.slice(i, i + 5000).map((p) => p.paymentId);
    await db.transaction(async (tx) => {
      await tx.query("UPDATE payments SET status = 'succeeded', transaction_id = bange_payment_id, paid_at = now(), updated_at = now() WHERE id = ANY($1)", [
        ids,
      ]);
      await tx.query(
        "UPDATE declarations d SET status = 'paid', queued_at = now(), updated_at = now() FROM payments p WHERE p.id = ANY($1) AND d.id = p.declaration_id",
        [ids],
      );
      await tx.query(
        `INSERT INTO ledger_journals (id, kind, external_ref, payment_id, declaration_id, ministry_code, service_code, booked_at)
         SELECT gen_random_uuid(), 'payment', p.transaction_id, p.id, d.id, d.ministry_code, d.service_code, now() FROM payments p JOIN declarations d ON d.id = p.declaration_id WHERE p.id = ANY($1)`,
        [ids],
      );
      await tx.query(
        `INSERT INTO ledger_entries (journal_id, account, debit, credit)
         SELECT j.id, e.account, e.debit, e.credit FROM ledger_journals j JOIN payments p ON p.id = j.payment_id,
                LATERAL (VALUES ($2::text, p.amount, 0::bigint), ('revenue:' || j.ministry_code, 0::bigint, p.amount)) AS e (account, debit, credit)
          WHERE j.payment_id = ANY($1) AND j.kind = 'payment'`,
        [ids, BANGE_CLEARING],
      );
      await tx.query(
        `INSERT INTO receipts (id, number, payment_id, declaration_id, token, issued_at)
         SELECT gen_random_uuid(), 'REC-' || extract(year FROM now())::int || '-' || lpad(nextval('receipt_number_seq')::text, 8, '0'), p.id, p.declaration_id, 'history', now() FROM payments p WHERE p.id = ANY($1)`,
        [ids],
      );
      await tx.query(
        `INSERT INTO webhook_events (id, received_at, type, status, raw_body, payment_id, transaction_id, amount, currency)
         SELECT 'evt_hist_' || p.id, now(), 'payment.succeeded', 'accepted', '{}', p.id, p.transaction_id, p.amount, 'XAF' FROM payments p WHERE p.id = ANY($1)`,
        [ids],
      );
      await tx.query(
        `INSERT INTO event_outbox (id, topic, event, created_at, published_at, attempts)
         SELECT gen_random_uuid(), t.topic, jsonb_build_object('type', t.type, 'data', jsonb_build_object('webhookEventId', 'evt_hist_' || p.id, 'paymentId', p.id)), now(), now(), 1
           FROM payments p, (VALUES ('payment-events', 'payment.succeeded'), ('payment-applied', 'payment.applied'), ('declaration-events', 'declaration.paid')) AS t (topic, type)
          WHERE p.id = ANY($1)`,
        [ids],
      );
      await tx.query(
        `INSERT INTO processed_events (subscription, event_id, processed_at)
         SELECT s, 'hist-' || p.id, now() FROM payments p, unnest(ARRAY['apply-payment', 'issue-receipt', 'notify-declaration-events']) AS s WHERE p.id = ANY($1)`,
        [ids],
      );
      await tx.query(
        `INSERT INTO notification_deliveries (id, event_id, event_type, user_id, channel, template, locale, attempt, outcome, final, error, at)
         SELECT gen_random_uuid(), 'hist-' || p.id, 'payment.applied', p.owner_id, c, 'payment-received', 'es', 1, CASE c WHEN 'email' THEN 'sent' ELSE 'skipped' END, true, CASE c WHEN 'email' THEN NULL ELSE 'no address for this channel' END, now()
           FROM payments p, unnest(ARRAY['email', 'sms', 'push']) AS c WHERE p.id = ANY($1)`,
        [ids],
      );
    });
  }
}
