/** What the bench needs in its database and in its hands: accounts and their tokens, pending payments in bulk, signed BANGE webhooks. */
import { randomUUID } from 'node:crypto';
import { signBangePayload } from '../../shared/adapters/bank/bange-signature';
import type { Database } from '../../shared/ports/database.port';
import type { SigningKey } from '../../shared/domain/identity/key-ring';
import { SANDBOX_WEBHOOK_SECRET } from '../../shared/config/config';
import { createAccessTokens } from '../../shared/domain/identity/access-tokens';
import { createKeyRing, generateSigningKey } from '../../shared/domain/identity/key-ring';
import { formatReference } from '../../shared/domain/declarations/declaration.service';
import type { Role } from '../../shared/domain/identity/roles';
import { systemClock } from '../../shared/ports/clock.port';

export interface BenchAccount {
  id: string;
  role: Role;
  token: string;
}

export interface Identity {
  /** AUTH_SIGNING_KEYS for every process the bench starts, so one token works everywhere. */
  signingKeysEnv: string;
  /** `bulk` owns the thousands of pending payments the webhook points pay, so `citizen` looks like one person. */
  accounts: Record<'citizen' | 'bulk' | 'agent' | 'admin', BenchAccount>;
}

/** Inserts the accounts and signs their tokens with a key every server of the run is given. */
export async function createIdentity(db: Database): Promise<Identity> {
  const key: SigningKey = generateSigningKey('bench-1');
  const tokens = createAccessTokens({ keys: createKeyRing([key]), issuer: 'https://api.taxasge.gq', audience: 'taxasge-api', clock: systemClock });
  const make = async (role: Role, ministries: string[]): Promise<BenchAccount> => {
    const id = randomUUID();
    await db.query('INSERT INTO users (id, email, password_hash, full_name, role, ministries) VALUES ($1, $2, $3, $4, $5, $6)', [
      id,
      `bench-${role}-${id.slice(0, 8)}@example.gq`,
      'bench: never used to log in',
      `Bench ${role}`,
      role,
      ministries,
    ]);
    return { id, role, token: await tokens.sign({ userId: id, role, ministries }) };
  };
  return {
    signingKeysEnv: JSON.stringify([key]),
    accounts: { citizen: await make('citizen', []), bulk: await make('citizen', []), agent: await make('agent', ['M-001']), admin: await make('admin', []) },
  };
}

export interface PendingPayment {
  paymentId: string;
  declarationId: string;
  declarationReference: string;
  ownerId: string;
  reference: string;
  transactionId: string;
  amount: number;
}

/** Service-fee declarations awaiting payment, each with its pending BANGE payment, inserted in bulk (as POST /payments would leave them). */
export async function insertPendingPayments(db: Database, ownerId: string, count: number, tag: string): Promise<PendingPayment[]> {
  const { rows: services } = await db.query<{ code: string; ministry_code: string; amount: string }>(
    'SELECT code, ministry_code, expedition_amount AS amount FROM fiscal_services WHERE payable_online AND expedition_amount IS NOT NULL ORDER BY code LIMIT 25',
  );
  const year = new Date().getUTCFullYear();
  const out: PendingPayment[] = [];
  for (let done = 0; done < count;) {
    const n = Math.min(5000, count - done);
    const { rows: seq } = await db.query<{ d: string; p: string }>(
      "SELECT nextval('declaration_reference_seq') AS d, nextval('payment_reference_seq') AS p FROM generate_series(1, $1)",
      [n],
    );
    const batch = seq.map((s, i) => {
      const service = services[(done + i) % services.length]!;
      return {
        declarationId: randomUUID(),
        declarationReference: formatReference(year, Number(s.d)),
        paymentId: randomUUID(),
        reference: `PAY-${year}-${s.p.padStart(8, '0')}`,
        transactionId: `bange_${tag}_${done + i}`,
        service,
      };
    });
    await db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO declarations (id, reference, kind, status, owner_id, ministry_code, service_code, fee_type, catalog_version, quote_expires_at, amount, created_at, updated_at)
         SELECT d.id, d.ref, 'service_fee', 'awaiting_payment', $3, d.ministry, d.service, 'expedition', 1, now() + interval '72 hours', d.amount, now(), now()
           FROM unnest($1::uuid[], $2::text[], $4::text[], $5::text[], $6::bigint[]) AS d(id, ref, ministry, service, amount)`,
        [
          batch.map((b) => b.declarationId),
          batch.map((b) => b.declarationReference),
          ownerId,
          batch.map((b) => b.service.ministry_code),
          batch.map((b) => b.service.code),
          batch.map((b) => b.service.amount),
        ],
      );
      await tx.query(
        `INSERT INTO payments (id, reference, declaration_id, owner_id, amount, method, status, bange_payment_id, expires_at, created_at, updated_at)
         SELECT p.id, p.ref, p.declaration, $3, p.amount, 'bange_card', 'pending', p.bange, now() + interval '60 minutes', now(), now()
           FROM unnest($1::uuid[], $2::text[], $4::uuid[], $5::bigint[], $6::text[]) AS p(id, ref, declaration, amount, bange)`,
        [
          batch.map((b) => b.paymentId),
          batch.map((b) => b.reference),
          ownerId,
          batch.map((b) => b.declarationId),
          batch.map((b) => b.service.amount),
          batch.map((b) => b.transactionId),
        ],
      );
    });
    for (const b of batch)
      out.push({
        paymentId: b.paymentId,
        declarationId: b.declarationId,
        declarationReference: b.declarationReference,
        ownerId,
        reference: b.reference,
        transactionId: b.transactionId,
        amount: Number(b.service.amount),
      });
    done += n;
  }
  return out;
}

/** A `payment.succeeded` event as BANGE sends it, with its X-Bange-Signature for the sandbox secret. */
export function signedWebhook(
  eventId: string,
  payment: Pick<PendingPayment, 'reference' | 'transactionId' | 'amount'>,
  reference = payment.reference,
): { body: string; signature: string } {
  const now = new Date();
  const body = JSON.stringify({
    id: eventId,
    type: 'payment.succeeded',
    createdAt: now.toISOString(),
    data: { transactionId: payment.transactionId, reference, amount: payment.amount, currency: 'XAF', method: 'bange_card', paidAt: now.toISOString() },
  });
  return { body, signature: signBangePayload(body, SANDBOX_WEBHOOK_SECRET, Math.floor(now.getTime() / 1000)) };
}

/** Grows the catalog: `copies` more of every service under new codes (T-1001…), as a bigger catalog would be. */
export async function growCatalog(db: Database, copies: number): Promise<number> {
  await db.query(
    `INSERT INTO fiscal_services (code, category_code, sector_code, ministry_code, name_es, name_fr, name_en, expedition_amount, renewal_amount,
                                  source_expedition_amount, source_renewal_amount, required_documents, flags, same_name_in_category, exact_duplicate_of,
                                  active, catalog_version, updated_at)
     SELECT 'T-' || (k * 1000 + substring(code FROM 3)::int), category_code, sector_code, ministry_code, name_es, name_fr, name_en, expedition_amount, renewal_amount,
            source_expedition_amount, source_renewal_amount, required_documents, flags, same_name_in_category, exact_duplicate_of, active, catalog_version, updated_at
       FROM fiscal_services CROSS JOIN generate_series(1, $1) AS k
      WHERE code ~ '^T-[0-9]{3}$'`,
    [copies],
  );
  await db.query('ANALYZE fiscal_services');
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM fiscal_services');
  return rows[0]!.n;
}
