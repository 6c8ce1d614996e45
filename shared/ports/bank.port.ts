/**
 * The bank (BANGE) as the platform sees it, Stripe-style: create a payment and send the payer to its
 * hosted checkout; ask for its status; read a day's statement; refund. Webhooks arrive separately,
 * signed: `X-Bange-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 */

export type PaymentMethod = 'bange_card' | 'bange_wallet';
export type BankPaymentStatus = 'pending' | 'succeeded' | 'failed' | 'refunded';

export interface CreateBankPayment {
  /** Our payment reference, echoed in webhooks as `data.reference`. */
  reference: string;
  /** Integer XAF. */
  amount: number;
  currency: 'XAF';
  method: PaymentMethod;
  description: string;
  /** Where the bank sends webhooks for this payment. */
  callbackUrl: string;
  /** Where the checkout page sends the payer back. */
  returnUrl?: string;
  /** The bank creates at most one payment per key. */
  idempotencyKey: string;
}

export interface BankPayment {
  /** BANGE's id of the payment: `transactionId` in webhooks. */
  id: string;
  reference: string;
  amount: number;
  currency: 'XAF';
  method: PaymentMethod;
  status: BankPaymentStatus;
  checkoutUrl: string;
  paidAt: string | null;
  refundedAmount: number;
  /** Each refund of the payment at the bank, oldest first (absent from banks that do not list them). */
  refunds?: BankRefund[];
}

/** One refund at the bank: ours carry the reference we sent (our refund id), those started at the bank none. */
export interface BankRefund {
  /** BANGE's id of the refund: `data.refundId` in `payment.refunded` webhooks, `refundId` on statement lines. */
  id: string;
  amount: number;
  reference: string | null;
  createdAt: string;
}

export interface StatementLine {
  transactionId: string;
  reference: string;
  type: 'payment' | 'refund';
  amount: number;
  currency: 'XAF';
  at: string;
  /** Refund lines: BANGE's id of the refund (`transactionId` is the refunded payment's). */
  refundId?: string;
}

/** The body of a BANGE webhook. */
export interface BangeWebhookEvent {
  id: string;
  type: 'payment.succeeded' | 'payment.failed' | 'payment.refunded';
  createdAt: string;
  data: {
    transactionId: string;
    reference: string;
    amount: number;
    currency: string;
    method: string;
    paidAt: string | null;
    /** `payment.refunded` only: BANGE's id of the refund, and the reference we sent with it (null for a refund started at the bank). */
    refundId?: string;
    refundReference?: string | null;
  };
}

/** A webhook's body parsed as the bank's event, or why it is not one. */
export type WebhookParse = { event: BangeWebhookEvent } | { problem: string };

export interface Bank {
  createPayment(request: CreateBankPayment): Promise<BankPayment>;
  /** undefined when the bank does not know the payment. */
  getPayment(id: string): Promise<BankPayment | undefined>;
  /** Every transaction of a day (UTC, `YYYY-MM-DD`). */
  dailyStatement(date: string): Promise<StatementLine[]>;
  /** `reference` (our refund id) comes back on the refund, in its webhook and in `refunds`. */
  refund(id: string, amount: number, idempotencyKey: string, reference?: string): Promise<BankPayment>;
}
