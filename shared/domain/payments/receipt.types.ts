/** What a receipt certifies: the claims its token signs. */

export interface ReceiptClaims {
  number: string;
  taxpayer: { id: string; name: string; taxId: string | null };
  declaration: {
    id: string;
    reference: string;
    kind: string;
    service: { code: string; name: string } | null;
    taxReturn: { type: string; period: string } | null;
  };
  amount: number;
  currency: 'XAF';
  paidAt: string;
  bangeTransactionId: string;
  paymentReference: string;
  issuedAt: string;
}
