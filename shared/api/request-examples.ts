/** Example request bodies by operationId, shown in the API reference; test/openapi.test.ts checks each one against its route's schema. */

const DEMO_DECLARATION = '0b8f3c1e-6d2a-4f7b-9c3e-2a1d5e7f9b10';
const DEMO_PAYMENT = '5c2e8a41-3b7d-4e9f-8a16-d0c4b2e6f381';

/** `{ name: body }` per operation; the first is the one the reference fills in for "Try it out". */
export const REQUEST_EXAMPLES: Record<string, Record<string, unknown>> = {
  register: {
    citizen: {
      email: 'ana.nguema@example.gq',
      password: 'Malabo-2026!',
      fullName: 'Ana Nguema Obiang',
      phone: '+240 222 123 456',
      accountType: 'citizen',
      locale: 'es',
    },
    business: {
      email: 'contabilidad@bata-import.example.gq',
      password: 'Bata-Import-2026',
      fullName: 'Bata Import S.L.',
      accountType: 'business',
      taxId: 'GQ-123456-B',
      locale: 'fr',
    },
  },
  login: { demoCitizen: { email: 'citizen@demo.taxasge.gq', password: 'Demo-Passw0rd!' } },
  refreshTokens: { refresh: { refreshToken: 'rt_6Jf2kQ9wXc1Lm4Tz8Vb0Np3Rs7Yd5Ha' } },
  logout: { logout: { refreshToken: 'rt_6Jf2kQ9wXc1Lm4Tz8Vb0Np3Rs7Yd5Ha' } },
  forgotPassword: { forgot: { email: 'ana.nguema@example.gq' } },
  resetPassword: { reset: { token: 'the token after #token= in the emailed link', password: 'Malabo-2027!' } },
  updateUser: {
    makeAgent: { role: 'agent', ministries: ['M-001'] },
    suspend: { status: 'suspended' },
  },
  setAutoApprovalThreshold: { upTo5000: { threshold: 5000 }, never: { threshold: 0 } },
  correctFiscalService: { newFee: { expeditionAmount: 2500, note: 'Fee of the 2026 finance law, art. 12' } },
  createDeclaration: {
    serviceFee: { kind: 'service_fee', serviceCode: 'T-001', feeType: 'expedition' },
    taxReturn: { kind: 'tax_return', taxType: 'vat', period: '2026-07', declaredAmount: 1250000, data: { turnover: 8333333 } },
  },
  cancelDeclaration: { withReason: { reason: 'Filed twice by mistake' } },
  submitDeclaration: { noReason: {} },
  requestDocumentUpload: { passport: { filename: 'pasaporte.pdf', contentType: 'application/pdf', size: 48213 } },
  approveDeclaration: { validated: { validatedAmount: 1300000, comment: 'Turnover checked against the July invoices' } },
  rejectDeclaration: { rejected: { reason: 'The service does not apply to a business account', comment: 'File T-014 instead' } },
  requestDocuments: { missing: { documents: ['Copy of the passport', 'Certificate of residence'], message: 'Both are needed for T-001' } },
  escalateDeclaration: { escalate: { reason: 'Validated amount 35 % above the declared one' } },
  createPayment: { card: { declarationId: DEMO_DECLARATION, method: 'bange_card' }, wallet: { declarationId: DEMO_DECLARATION, method: 'bange_wallet' } },
  verifyReceipt: { verify: { token: 'eyJhbGciOiJFZERTQSIsImtpZCI6InJjcHQtMSJ9.eyJudW1iZXIiOiJSRUMtMjAyNi0wMDAwMDEifQ.c2lnbmF0dXJl' } },
  createRefund: { partial: { paymentId: DEMO_PAYMENT, amount: 2000, reason: 'Declaration rejected after payment' } },
  receiveBangeWebhook: {
    succeeded: {
      id: 'evt_01J9Z3K6W8Q2R5T7',
      type: 'payment.succeeded',
      createdAt: '2026-07-14T09:31:02Z',
      data: { transactionId: 'pay_7Hc2Lq9', reference: 'PAY-2026-000123', amount: 2000, currency: 'XAF', method: 'bange_card', paidAt: '2026-07-14T09:31:00Z' },
    },
  },
  job_reconcile: { aDay: { date: '2026-07-13' } },
  eraseMyData: { confirm: { password: 'Malabo-2026!' } },
};
