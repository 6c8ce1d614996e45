/**
 * The two small public pages of the payments function, in es, fr and en, readable on a phone and
 * printable: a receipt's verification page (what its QR code opens; printed, it is the receipt with
 * its QR code) and the page BANGE's checkout sends the payer back to (where the payment stands).
 * Self-contained HTML: inline styles and an inline SVG QR code, no script.
 */
import type { Language } from '../ports/language';
import { formatXaf } from '../domain/notifications/xaf-format';
import type { ReceiptStanding } from '../domain/payments/receipt-check';
import type { PaymentStatus } from '../domain/payments/payment-state-machine';

/** No script, no remote resource: inline styles and the inline SVG only. */
export const PUBLIC_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const T = {
  es: {
    receiptTitle: 'Verificación de recibo',
    valid: 'Recibo válido',
    voided: (day: string) => `Firma válida; recibo anulado el ${day}: reembolsado`,
    invalid: 'Recibo no válido',
    number: 'Número',
    taxpayer: 'Contribuyente',
    concept: 'Concepto',
    amount: 'Importe',
    paidAt: 'Pagado el',
    payment: 'Pago',
    bank: 'Transacción BANGE',
    scan: 'Escanee este código para verificar el recibo.',
    print: 'Imprimir',
    statusTitle: 'Estado de su pago',
    status: {
      pending: 'Pendiente: esperamos la confirmación del banco. Esta página se actualiza sola.',
      succeeded: 'Pago recibido. Su recibo estará disponible en unos segundos.',
      failed: 'El pago no se realizó. Puede intentarlo de nuevo desde su declaración.',
      expired: 'El plazo de pago venció. Genere un nuevo pago desde su declaración.',
      partially_refunded: 'Pago recibido y reembolsado en parte.',
      refunded: 'Pago reembolsado.',
    },
    unknownPayment: 'No conocemos este pago.',
  },
  fr: {
    receiptTitle: 'Vérification de reçu',
    valid: 'Reçu valide',
    voided: (day: string) => `Signature valide ; reçu annulé le ${day} : remboursé`,
    invalid: 'Reçu non valide',
    number: 'Numéro',
    taxpayer: 'Contribuable',
    concept: 'Objet',
    amount: 'Montant',
    paidAt: 'Payé le',
    payment: 'Paiement',
    bank: 'Transaction BANGE',
    scan: 'Scannez ce code pour vérifier le reçu.',
    print: 'Imprimer',
    statusTitle: 'État de votre paiement',
    status: {
      pending: 'En attente : nous attendons la confirmation de la banque. Cette page se met à jour seule.',
      succeeded: 'Paiement reçu. Votre reçu sera disponible dans quelques secondes.',
      failed: "Le paiement n'a pas abouti. Vous pouvez réessayer depuis votre déclaration.",
      expired: 'Le délai de paiement est dépassé. Créez un nouveau paiement depuis votre déclaration.',
      partially_refunded: 'Paiement reçu et remboursé en partie.',
      refunded: 'Paiement remboursé.',
    },
    unknownPayment: 'Nous ne connaissons pas ce paiement.',
  },
  en: {
    receiptTitle: 'Receipt verification',
    valid: 'Valid receipt',
    voided: (day: string) => `Valid signature; receipt voided on ${day}: refunded`,
    invalid: 'Receipt not valid',
    number: 'Number',
    taxpayer: 'Taxpayer',
    concept: 'For',
    amount: 'Amount',
    paidAt: 'Paid on',
    payment: 'Payment',
    bank: 'BANGE transaction',
    scan: 'Scan this code to verify the receipt.',
    print: 'Print',
    statusTitle: 'Your payment',
    status: {
      pending: 'Pending: we are waiting for the bank to confirm. This page updates itself.',
      succeeded: 'Payment received. Your receipt will be ready within seconds.',
      failed: 'The payment did not go through. You can try again from your declaration.',
      expired: 'The time to pay ran out. Start a new payment from your declaration.',
      partially_refunded: 'Payment received and partly refunded.',
      refunded: 'Payment refunded.',
    },
    unknownPayment: 'We do not know this payment.',
  },
} satisfies Record<Language, unknown>;

const STYLE = `
body{font:18px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:16px;color:#1b1b1b;background:#f6f7f9}
main{max-width:34rem;margin:0 auto;background:#fff;border-radius:12px;padding:20px;box-shadow:0 1px 4px rgba(0,0,0,.08)}
h1{font-size:1.3rem;margin:0 0 12px}
.verdict{padding:12px 14px;border-radius:8px;font-weight:600;margin-bottom:16px}
.ok{background:#e3f4e8;color:#11612b}.void{background:#fff1d6;color:#7a4b00}.bad{background:#fde4e4;color:#8a1111}
dl{display:grid;grid-template-columns:max-content 1fr;gap:6px 12px;margin:0}dt{color:#5a5a5a}dd{margin:0;overflow-wrap:anywhere}
.qr{text-align:center;margin-top:18px}.qr svg{width:180px;height:180px}.qr p{font-size:.85rem;color:#5a5a5a}
nav{margin-top:12px;font-size:.9rem}nav a{margin-right:10px}
@media print{body{background:#fff;padding:0;font-size:12pt}main{box-shadow:none;max-width:none}nav{display:none}.qr svg{width:40mm;height:40mm}}`;

function page(lang: Language, title: string, content: string, head = ''): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">${head}<title>${escape(title)} · TaxasGE</title><style>${STYLE}</style></head><body><main>${content}</main></body></html>`;
}

const languages = (path: (lang: Language) => string, current: Language) =>
  `<nav>${(['es', 'fr', 'en'] as const).map((l) => (l === current ? `<strong>${l}</strong>` : `<a href="${escape(path(l))}">${l}</a>`)).join(' ')}</nav>`;

interface ClaimsView {
  number?: string;
  taxpayer?: { name?: string; taxId?: string | null };
  declaration?: { reference?: string; service?: { code?: string; name?: string } | null; taxReturn?: { type?: string; period?: string } | null };
  amount?: number;
  paidAt?: string;
  paymentReference?: string;
  bangeTransactionId?: string;
}

/** The receipt's verification page; `qrSvg` is the QR code of this very page's URL, `path(lang)` the page in another language. */
export function renderReceiptPage(lang: Language, standing: ReceiptStanding, qrSvg: string | null, path: (lang: Language) => string): string {
  const t = T[lang];
  if (!standing.valid) {
    return page(lang, t.invalid, `<h1>${t.receiptTitle}</h1><div class="verdict bad">${t.invalid}: ${escape(standing.reason)}</div>${languages(path, lang)}`);
  }
  const c = standing.receipt as unknown as ClaimsView;
  const concept = c.declaration?.service
    ? `${c.declaration.service.code ?? ''} ${c.declaration.service.name ?? ''}`
    : c.declaration?.taxReturn
      ? `${c.declaration.taxReturn.type ?? ''} ${c.declaration.taxReturn.period ?? ''}`
      : '';
  const verdict =
    standing.status === 'voided'
      ? `<div class="verdict void">${escape(t.voided(standing.voidedAt.slice(0, 10)))}</div>`
      : `<div class="verdict ok">${t.valid}</div>`;
  const rows: [string, string][] = [
    [t.number, c.number ?? ''],
    [t.taxpayer, `${c.taxpayer?.name ?? ''}${c.taxpayer?.taxId ? ` (${c.taxpayer.taxId})` : ''}`],
    [t.concept, `${concept.trim()}${c.declaration?.reference ? ` · ${c.declaration.reference}` : ''}`],
    [t.amount, typeof c.amount === 'number' ? formatXaf(c.amount, lang) : ''],
    [t.paidAt, (c.paidAt ?? '').slice(0, 10)],
    [t.payment, c.paymentReference ?? ''],
    [t.bank, c.bangeTransactionId ?? ''],
  ];
  const qr = qrSvg ? `<div class="qr">${qrSvg}<p>${t.scan}</p></div>` : '';
  return page(
    lang,
    `${t.receiptTitle} ${c.number ?? ''}`,
    `<h1>${t.receiptTitle}</h1>${verdict}<dl>${rows.map(([k, v]) => `<dt>${k}</dt><dd>${escape(v)}</dd>`).join('')}</dl>${qr}${languages(path, lang)}`,
  );
}

/** Where the payer lands back from BANGE's checkout; a pending payment's page reloads itself every 5 s. */
export function renderPaymentStatusPage(
  lang: Language,
  payment: { reference: string; amount: number; status: PaymentStatus } | undefined,
  path: (lang: Language) => string,
): string {
  const t = T[lang];
  if (!payment) return page(lang, t.statusTitle, `<h1>${t.statusTitle}</h1><div class="verdict bad">${t.unknownPayment}</div>${languages(path, lang)}`);
  const tone = payment.status === 'succeeded' ? 'ok' : payment.status === 'pending' ? 'void' : 'bad';
  const refresh = payment.status === 'pending' ? '<meta http-equiv="refresh" content="5">' : '';
  return page(
    lang,
    t.statusTitle,
    `<h1>${t.statusTitle}</h1><div class="verdict ${tone}" data-status="${payment.status}">${t.status[payment.status]}</div><dl><dt>${t.payment}</dt><dd>${escape(payment.reference)}</dd><dt>${t.amount}</dt><dd>${formatXaf(payment.amount, lang)}</dd></dl>${languages(path, lang)}`,
    refresh,
  );
}
