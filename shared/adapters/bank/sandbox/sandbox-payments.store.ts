/** The sandbox bank's books, in memory: payments, statement lines and idempotency records; the rules of money, no HTTP. */
import type { BankPayment, BankRefund, StatementLine } from '../../../ports/bank.port';
import type { Clock } from '../../../ports/clock.port';
import type { IdGenerator } from '../../../ports/ids.port';
import type { CreatePaymentBody } from '../bange-api.schemas';

export interface SandboxPayment extends BankPayment {
  description: string;
  callbackUrl: string;
  returnUrl: string | null;
  createdAt: string;
}

/** A request the sandbox bank refuses, with the HTTP status and the error code the real API would give. */
export class SandboxRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SandboxRefusal';
  }
}

export interface ExtraStatementLine {
  reference: string;
  amount: number;
  type?: 'payment' | 'refund';
  transactionId?: string;
  at?: string;
}

interface IdempotencyRecord {
  fingerprint: string;
  response: BankPayment;
}

export function toBankPayment(p: SandboxPayment): BankPayment {
  const { id, reference, amount, currency, method, status, checkoutUrl, paidAt, refundedAmount } = p;
  return { id, reference, amount, currency, method, status, checkoutUrl, paidAt, refundedAmount, refunds: (p.refunds ?? []).map((r) => ({ ...r })) };
}

export function createSandboxStore(options: { clock: Clock; ids: IdGenerator; checkoutUrl: (id: string) => string }) {
  const { clock, ids } = options;
  const payments = new Map<string, SandboxPayment>();
  const lines: StatementLine[] = [];
  const idempotency = new Map<string, IdempotencyRecord>();

  const now = () => clock.now().toISOString();
  const newId = (prefix: string) => `${prefix}_${ids.uuid().replace(/-/g, '')}`;

  function find(id: string): SandboxPayment {
    const payment = payments.get(id);
    if (!payment)
      throw new SandboxRefusal(404, 'payment_not_found', `No payment ${id} at this bank (the sandbox keeps payments in memory: a restart forgets them).`);
    return payment;
  }

  /** Same key and same request: the original answer again; same key, another request: refused, as Stripe does. */
  function once(scope: string, key: string, request: unknown, run: () => BankPayment): { payment: BankPayment; replayed: boolean } {
    const fingerprint = JSON.stringify(request);
    const record = idempotency.get(`${scope}\n${key}`);
    if (record) {
      if (record.fingerprint !== fingerprint) {
        throw new SandboxRefusal(
          409,
          'idempotency_key_reused',
          `The Idempotency-Key was already used with a different request (${scope}); use a new key for a new request.`,
        );
      }
      return { payment: record.response, replayed: true };
    }
    const payment = run();
    idempotency.set(`${scope}\n${key}`, { fingerprint, response: payment });
    return { payment, replayed: false };
  }

  return {
    create(body: CreatePaymentBody, idempotencyKey: string) {
      return once('create', idempotencyKey, body, () => {
        const id = newId('pay');
        const payment: SandboxPayment = {
          id,
          reference: body.reference,
          amount: body.amount,
          currency: 'XAF',
          method: body.method,
          status: 'pending',
          checkoutUrl: options.checkoutUrl(id),
          paidAt: null,
          refundedAmount: 0,
          description: body.description,
          callbackUrl: body.callbackUrl,
          returnUrl: body.returnUrl ?? null,
          createdAt: now(),
        };
        payments.set(id, payment);
        return toBankPayment(payment);
      });
    },

    get: (id: string): SandboxPayment | undefined => payments.get(id),
    list: (): SandboxPayment[] => [...payments.values()].map((p) => ({ ...p })),

    /** A declined payer may try again on the same checkout, so a failed payment can still be paid. */
    pay(id: string): SandboxPayment {
      const payment = find(id);
      if (payment.status !== 'pending' && payment.status !== 'failed') {
        throw new SandboxRefusal(
          409,
          'payment_not_payable',
          `Payment ${id} is ${payment.status}${payment.paidAt ? ` since ${payment.paidAt}` : ''}: nothing to pay.`,
        );
      }
      payment.status = 'succeeded';
      payment.paidAt = now();
      lines.push({ transactionId: id, reference: payment.reference, type: 'payment', amount: payment.amount, currency: 'XAF', at: payment.paidAt });
      return payment;
    },

    decline(id: string): SandboxPayment {
      const payment = find(id);
      if (payment.status !== 'pending')
        throw new SandboxRefusal(409, 'payment_not_pending', `Payment ${id} is ${payment.status}: only a pending payment can be declined.`);
      payment.status = 'failed';
      return payment;
    },

    /**
     * Partial refunds add up; the status becomes `refunded` once everything paid went back. Each
     * refund gets its own id and keeps the caller's reference (none for one started at the bank).
     */
    refund(id: string, amount: number, idempotencyKey: string, reference?: string) {
      return once(`refund ${id}`, idempotencyKey, { amount, reference: reference ?? null }, () => {
        const payment = find(id);
        if (payment.status !== 'succeeded' && payment.status !== 'refunded') {
          throw new SandboxRefusal(409, 'payment_not_refundable', `Payment ${id} is ${payment.status}: only a paid payment can be refunded.`);
        }
        const refundable = payment.amount - payment.refundedAmount;
        if (amount > refundable) {
          throw new SandboxRefusal(
            400,
            'amount_exceeds_refundable',
            `A refund of ${amount} XAF exceeds the ${refundable} XAF still refundable on payment ${id} (paid ${payment.amount}, already refunded ${payment.refundedAmount}).`,
          );
        }
        payment.refundedAmount += amount;
        payment.status = payment.refundedAmount === payment.amount ? 'refunded' : 'succeeded';
        const refund: BankRefund = { id: newId('re'), amount, reference: reference ?? null, createdAt: now() };
        payment.refunds = [...(payment.refunds ?? []), refund];
        lines.push({ transactionId: id, reference: payment.reference, type: 'refund', amount, currency: 'XAF', at: refund.createdAt, refundId: refund.id });
        return toBankPayment(payment);
      });
    },

    statement: (date: string): StatementLine[] => lines.filter((l) => l.at.startsWith(date)).sort((a, b) => a.at.localeCompare(b.at)),

    /** A line the bank has and no webhook announced: what reconciliation must find. */
    addStatementLine(date: string, extra: ExtraStatementLine): StatementLine {
      const at = extra.at ? new Date(extra.at).toISOString() : `${date}T12:00:00.000Z`;
      if (!at.startsWith(date)) throw new SandboxRefusal(400, 'invalid_request', `at: ${at} is not on ${date} (UTC)`);
      const line: StatementLine = {
        transactionId: extra.transactionId ?? newId('pay'),
        reference: extra.reference,
        type: extra.type ?? 'payment',
        amount: extra.amount,
        currency: 'XAF',
        at,
      };
      lines.push(line);
      return line;
    },
  };
}

export type SandboxStore = ReturnType<typeof createSandboxStore>;
