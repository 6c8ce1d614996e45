import { LANGUAGES, type Language } from '../../ports/language';
import { renderMessage, TEMPLATE_NAMES } from './message-renderer';
import type { TemplateName, TemplateValues } from './notification-templates';
import { formatXaf } from './xaf-format';

const render = <T extends TemplateName>(template: T, locale: Language, payload: TemplateValues<T>) => renderMessage({ template, locale, payload });

const taxReturn = { fullName: 'Ana Nsue', kind: 'tax_return', reference: 'DCL-2026-000042', declarationId: 'd-42' } as const;
const serviceFee = { ...taxReturn, kind: 'service_fee' } as const;

/** One payload per template, as long as they get in practice, for the checks that cover every template. */
const SAMPLES: { [T in TemplateName]: TemplateValues<T> } = {
  'declaration-submitted': taxReturn,
  'declaration-approved': { ...taxReturn, amountDue: 1_250_000 },
  'declaration-rejected': {
    ...serviceFee,
    reason: 'El documento de identidad aportado está caducado desde 2024 y la fotografía no se lee bien.',
    refundDue: true,
  },
  'documents-requested': { ...taxReturn, message: 'Aporte el balance anual firmado y el certificado de la cuenta bancaria de la empresa, por favor.' },
  'payment-received': { fullName: 'Ana Nsue', reference: 'PAY-2026-000042', declarationId: 'd-42', amount: 2000 },
  'password-reset': { fullName: 'Ana Nsue', link: 'https://taxasge.gq/reset-password#token=abc', expiresInMinutes: 60 },
  'review-sla-warning': { fullName: 'Ana Nsue', kind: 'service_fee', reference: 'TGE-2026-0000427', declarationId: 'd-42', waitingHours: 18 },
  'review-escalated': { fullName: 'Ana Nsue', kind: 'tax_return', reference: 'TGE-2026-0000427', declarationId: 'd-42', waitingHours: 72 },
};

describe('XAF amounts', () => {
  it.each([
    [2000, 'es', '2 000 XAF'],
    [2000, 'fr', '2 000 XAF'],
    [2000, 'en', '2,000 XAF'],
    [0, 'en', '0 XAF'],
    [999, 'es', '999 XAF'],
    [1_250_000, 'fr', '1 250 000 XAF'],
    [-15000, 'en', '-15,000 XAF'],
  ] as const)('%d in %s is %s', (amount, locale, expected) => {
    expect(formatXaf(amount, locale)).toBe(expected);
  });

  it('refuses fractions: the franc has no minor unit', () => {
    expect(() => formatXaf(2000.5, 'es')).toThrow('expected an integer amount of XAF (the franc has no minor unit), got 2000.5');
    expect(() => formatXaf(Number.NaN, 'en')).toThrow(RangeError);
  });
});

describe('message rendering', () => {
  it('says a declaration was received, in each language', () => {
    expect(render('declaration-submitted', 'es', taxReturn)).toMatchObject({
      subject: 'Declaración DCL-2026-000042 recibida',
      text: expect.stringMatching(/^Hola Ana Nsue:\n\nHemos recibido su declaración/),
    });
    expect(render('declaration-submitted', 'fr', taxReturn)).toMatchObject({
      subject: 'Déclaration DCL-2026-000042 reçue',
      text: expect.stringMatching(/^Bonjour Ana Nsue,\n\nNous avons bien reçu votre déclaration/),
    });
    expect(render('declaration-submitted', 'en', taxReturn)).toMatchObject({
      subject: 'Declaration DCL-2026-000042 received',
      short: expect.stringContaining('we received your declaration DCL-2026-000042'),
    });
  });

  it('says an approval and what is now due, or that a service fee is complete', () => {
    const due = { ...taxReturn, amountDue: 150_000 };
    expect(render('declaration-approved', 'es', due)).toMatchObject({
      subject: 'Su declaración DCL-2026-000042 ha sido aprobada',
      text: expect.stringContaining('Importe a pagar: 150 000 XAF'),
    });
    expect(render('declaration-approved', 'fr', due).short).toBe('TaxasGE : votre déclaration DCL-2026-000042 a été approuvée. Montant à payer : 150 000 XAF.');
    expect(render('declaration-approved', 'en', due).text).toContain('Amount to pay: 150,000 XAF. You can now pay it');
    const done = render('declaration-approved', 'es', { ...serviceFee, amountDue: null });
    expect(done.subject).toBe('Su solicitud DCL-2026-000042 ha sido aprobada');
    expect(done.text).toContain('Su recibo es definitivo');
    expect(done.text).not.toContain('Importe');
    expect(render('declaration-approved', 'en', { ...serviceFee, amountDue: null }).subject).toBe('Your request DCL-2026-000042 has been approved');
  });

  it('gives the reason of a rejection, and the refund of a paid service fee', () => {
    const reason = 'Firma ausente';
    expect(render('declaration-rejected', 'es', { ...serviceFee, reason, refundDue: true }).text).toMatch(
      /ha sido rechazada\.\n\nMotivo: Firma ausente\n\nNuestro equipo de finanzas gestionará el reembolso/,
    );
    expect(render('declaration-rejected', 'fr', { ...taxReturn, reason: 'Signature absente', refundDue: false })).toMatchObject({
      subject: 'Votre déclaration DCL-2026-000042 a été refusée',
      text: expect.stringContaining('Motif : Signature absente'),
      short: 'TaxasGE : votre déclaration DCL-2026-000042 a été refusée. Motif : Signature absente',
    });
    const en = render('declaration-rejected', 'en', { ...taxReturn, reason: 'Missing signature', refundDue: false });
    expect(en.text).toContain('Reason: Missing signature');
    expect(en.text).not.toContain('refund');
    expect(render('declaration-rejected', 'en', { ...taxReturn, reason: null, refundDue: false }).text).not.toContain('Reason');
  });

  it("passes on the agent's message when documents are requested", () => {
    const message = 'Falta el NIF de la empresa';
    expect(render('documents-requested', 'es', { ...taxReturn, message })).toMatchObject({
      subject: 'Documentos necesarios para su declaración DCL-2026-000042',
      text: expect.stringContaining('Mensaje del agente: Falta el NIF de la empresa'),
      short: 'TaxasGE: su declaración DCL-2026-000042 necesita más documentos. Falta el NIF de la empresa',
    });
    expect(render('documents-requested', 'fr', { ...taxReturn, message: 'Il manque le NIF' }).text).toContain("Message de l'agent : Il manque le NIF");
    expect(render('documents-requested', 'en', { ...taxReturn, message: null })).toMatchObject({
      subject: 'Documents needed for your declaration DCL-2026-000042',
      short: expect.stringContaining('Upload them in the app.'),
    });
  });

  it('confirms a payment with the amount written for the language', () => {
    const paid = SAMPLES['payment-received'];
    expect(render('payment-received', 'es', paid)).toMatchObject({
      subject: 'Pago recibido: 2 000 XAF',
      short: 'TaxasGE: hemos recibido su pago de 2 000 XAF (ref. PAY-2026-000042). Gracias.',
    });
    expect(render('payment-received', 'fr', paid)).toMatchObject({
      subject: 'Paiement reçu : 2 000 XAF',
      text: expect.stringContaining('votre paiement de 2 000 XAF (référence PAY-2026-000042)'),
    });
    expect(render('payment-received', 'en', paid)).toMatchObject({
      subject: 'Payment received: 2,000 XAF',
      text: expect.stringContaining('your payment of 2,000 XAF'),
    });
  });

  it('renders the password-reset email the identity service sends through the same port', () => {
    const { text } = renderMessage({ template: 'password-reset', locale: 'en', payload: { ...SAMPLES['password-reset'], token: 'abc' } });
    expect(text).toContain('within the next 60 minutes:\nhttps://taxasge.gq/reset-password#token=abc');
  });

  it.each(TEMPLATE_NAMES.flatMap((t) => LANGUAGES.map((l) => [t, l] as const)))(
    '%s in %s: subject, text and an SMS within one 160-character segment',
    (template, locale) => {
      const m = renderMessage({ template, locale, payload: SAMPLES[template] });
      expect(m.subject.length).toBeGreaterThan(5);
      expect(m.subject).not.toContain('\n');
      expect(m.text).toContain('TaxasGE');
      expect(m.short.length).toBeLessThanOrEqual(160);
      expect(`${m.subject}${m.text}${m.short}`).not.toMatch(/undefined|null|NaN|\[object/);
    },
  );

  it('refuses unknown templates, unknown locales and payloads missing values, without echoing the values', () => {
    expect(() => renderMessage({ template: 'declaration-paid', locale: 'es', payload: {} })).toThrow(
      /unknown notification template "declaration-paid": expected one of declaration-submitted, /,
    );
    expect(() => renderMessage({ template: 'payment-received', locale: 'pt' as Language, payload: SAMPLES['payment-received'] })).toThrow(
      'unknown locale "pt" for template "payment-received": expected one of es, fr, en',
    );
    expect(() => renderMessage({ template: 'payment-received', locale: 'es', payload: { ...SAMPLES['payment-received'], amount: 2000.5 } })).toThrow(
      /template "payment-received" cannot render its payload: amount: /,
    );
    let message = '';
    try {
      renderMessage({ template: 'password-reset', locale: 'es', payload: { fullName: 'Ana', link: 'not a url with secret-token-xyz', expiresInMinutes: 60 } });
    } catch (err) {
      message = String(err);
    }
    expect(message).toMatch(/link: /);
    expect(message).not.toContain('secret-token-xyz');
  });
});
