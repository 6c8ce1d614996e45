/** The sandbox's hosted checkout page: one self-contained HTML page (no external assets) where the payer pays or declines. */
import { formatXaf } from '../../../domain/notifications/xaf-format';
import type { SandboxPayment } from './sandbox-payments.store';

/** Inline styles only, no scripts: the page works under `default-src 'none'`. */
export const CHECKOUT_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const METHOD_NAMES: Record<SandboxPayment['method'], string> = { bange_card: 'Card', bange_wallet: 'BANGE wallet' };

const STYLE = `
  body { font-family: system-ui, sans-serif; background: #f3f5f7; color: #1d2733; margin: 0; }
  main { max-width: 28rem; margin: 3rem auto; background: #fff; border-radius: 8px; padding: 1.5rem 2rem; box-shadow: 0 1px 4px #0002; }
  .banner { background: #fff4d6; border: 1px solid #e8c35a; border-radius: 4px; padding: .4rem .6rem; font-size: .85rem; }
  dl { display: grid; grid-template-columns: 8rem 1fr; gap: .4rem; }
  dt { color: #5b6773; } dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
  form { display: inline; }
  button { font-size: 1rem; padding: .6rem 1.2rem; border-radius: 4px; border: 1px solid #0b5cad; background: #0b5cad; color: #fff; cursor: pointer; margin-right: .5rem; }
  button.decline { background: #fff; color: #a32020; border-color: #a32020; }
  .outcome { padding: .6rem; border-radius: 4px; background: #eef6ee; }
  .outcome.failed { background: #fbeeee; }
`;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function outcome(p: SandboxPayment): string | undefined {
  const refunded = p.refundedAmount > 0 ? ` ${formatXaf(p.refundedAmount, 'es')} refunded since.` : '';
  switch (p.status) {
    case 'succeeded':
      return `Payment succeeded at ${p.paidAt ?? ''}. BANGE notifies the merchant with a signed payment.succeeded webhook.${refunded}`;
    case 'refunded':
      return `Payment succeeded at ${p.paidAt ?? ''}, then was refunded in full.`;
    case 'failed':
      return 'Payment declined. BANGE notifies the merchant with a signed payment.failed webhook. You may still pay.';
    default:
      return undefined;
  }
}

function layout(title: string, content: string, head = ''): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">${head}<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>
<p class="banner">BANGE sandbox: test mode, no real money moves.</p>
${content}
</main></body>
</html>
`;
}

/** `actionBase` is the path the forms post to, e.g. `/sandbox/bange/checkout/pay_…`. */
export function renderCheckoutPage(p: SandboxPayment, actionBase: string): string {
  const amount = escapeHtml(formatXaf(p.amount, 'es'));
  const line = outcome(p);
  const payable = p.status === 'pending' || p.status === 'failed';
  const action = escapeHtml(actionBase);
  return layout(
    `BANGE sandbox · ${p.reference}`,
    `<h1>${payable ? `Pay ${amount}` : amount}</h1>
<dl>
  <dt>Reference</dt><dd>${escapeHtml(p.reference)}</dd>
  <dt>Description</dt><dd>${escapeHtml(p.description)}</dd>
  <dt>Amount</dt><dd>${amount}</dd>
  <dt>Method</dt><dd>${METHOD_NAMES[p.method]}</dd>
  <dt>Status</dt><dd>${p.status}</dd>
</dl>
${line ? `<p class="outcome ${p.status}">${escapeHtml(line)}</p>` : ''}
${payable ? `<p><form method="post" action="${action}/pay"><button type="submit">Pay ${amount}</button></form>` : ''}${p.status === 'pending' ? `<form method="post" action="${action}/decline"><button type="submit" class="decline">Decline</button></form>` : ''}${payable ? '</p>' : ''}
${line && p.returnUrl ? `<p><a href="${escapeHtml(p.returnUrl)}">Return to the merchant</a></p>` : ''}`,
    // As a hosted checkout does: once the payment has an outcome, the payer goes back to the merchant's return URL.
    line && p.returnUrl && p.status !== 'refunded' ? `<meta http-equiv="refresh" content="3;url=${escapeHtml(p.returnUrl)}">` : '',
  );
}

/** The sandbox's home: its payments, newest first, each linking to its checkout page. */
export function renderIndexPage(payments: SandboxPayment[], prefix: string): string {
  const rows = [...payments]
    .reverse()
    .map(
      (p) =>
        `<li><a href="${escapeHtml(`${prefix}checkout/${encodeURIComponent(p.id)}`)}">${escapeHtml(p.reference)}</a>: ${escapeHtml(formatXaf(p.amount, 'es'))}, ${p.status}</li>`,
    )
    .join('\n');
  return layout(
    'BANGE sandbox',
    `<h1>BANGE sandbox</h1>
<p>The simulated bank of this server. Payments created through the API (<code>POST ${escapeHtml(prefix)}v1/payments</code>) appear here; open one to pay or decline it.</p>
${rows ? `<ul>\n${rows}\n</ul>` : '<p>No payment yet.</p>'}`,
  );
}

export function renderUnknownPaymentPage(id: string): string {
  return layout(
    'BANGE sandbox · unknown payment',
    `<h1>Unknown payment</h1><p>No payment ${escapeHtml(id)} at this sandbox. It keeps payments in memory: a restart of the server forgets them; create a new payment.</p>`,
  );
}
