/** The messages TaxasGE sends, as plain data: the values each template needs, and its texts in es, fr and en. */
import { z } from 'zod';
import type { Language } from '../../ports/language';
import { formatXaf } from './xaf-format';

/** What a channel sends: email uses subject + text; SMS and push use short (push titles with subject). */
export interface RenderedMessage {
  subject: string;
  text: string;
  short: string;
}

const kind = z.enum(['service_fee', 'tax_return']);
const declaration = z.object({ fullName: z.string().min(1), kind, reference: z.string().min(1), declarationId: z.string().min(1) });

/** The values each template renders, checked before rendering (payloads reach adapters as plain records). */
export const TEMPLATE_VALUES = {
  'declaration-submitted': declaration,
  /** amountDue: what the taxpayer now has to pay (tax returns); null when approval completes a paid service fee. */
  'declaration-approved': declaration.extend({ amountDue: z.number().int().nullable() }),
  /** refundDue: a service fee was paid before review, so a rejection means a refund. */
  'declaration-rejected': declaration.extend({ reason: z.string().min(1).nullable(), refundDue: z.boolean() }),
  'documents-requested': declaration.extend({ message: z.string().min(1).nullable() }),
  'payment-received': z.object({ fullName: z.string().min(1), reference: z.string().min(1), declarationId: z.string().min(1), amount: z.number().int() }),
  'password-reset': z.object({ fullName: z.string().min(1), link: z.url(), expiresInMinutes: z.number().int().positive() }),
  /** To each agent of the ministry: a declaration has waited 18 h in review. */
  'review-sla-warning': declaration.extend({ waitingHours: z.number().int().nonnegative() }),
  /** To each supervisor of the ministry: a declaration waited 72 h and was escalated to them. */
  'review-escalated': declaration.extend({ waitingHours: z.number().int().nonnegative() }),
} as const;

/** Values that are secrets (a reset link holds its token): never stored or logged where a message is kept instead of sent. */
export const SECRET_VALUES: Partial<Record<TemplateName, readonly string[]>> = { 'password-reset': ['link'] };

export type TemplateName = keyof typeof TEMPLATE_VALUES;
export type TemplateValues<T extends TemplateName> = z.output<(typeof TEMPLATE_VALUES)[T]>;
type Texts = { [T in TemplateName]: Record<Language, (v: TemplateValues<T>) => RenderedMessage> };

// Both nouns are feminine in Spanish and French, so one agreement ("aprobada", "approuvée") fits both.
const NOUN: Record<Language, Record<z.output<typeof kind>, string>> = {
  es: { tax_return: 'declaración', service_fee: 'solicitud' },
  fr: { tax_return: 'déclaration', service_fee: 'demande' },
  en: { tax_return: 'declaration', service_fee: 'request' },
};

const GREETING: Record<Language, (name: string) => string> = { es: (n) => `Hola ${n}:`, fr: (n) => `Bonjour ${n},`, en: (n) => `Hello ${n},` };
const SIGNATURE: Record<Language, string> = {
  es: 'Equipo TaxasGE\nEste mensaje se envía automáticamente; no responda a él.',
  fr: "L'équipe TaxasGE\nCe message est envoyé automatiquement ; merci de ne pas y répondre.",
  en: 'The TaxasGE team\nThis message is sent automatically; please do not reply to it.',
};

/** An email body: greeting, the paragraphs that are present, signature. */
function body(locale: Language, fullName: string, ...paragraphs: (string | false)[]): string {
  return [GREETING[locale](fullName), ...paragraphs.filter((p): p is string => Boolean(p)), SIGNATURE[locale]].join('\n\n');
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Free text from an agent, shortened so the SMS stays within one 160-character segment. */
function clip(s: string, max = 70): string {
  const oneLine = s.replace(/\s+/g, ' ').trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1).trimEnd()}…`;
}

/** "Label: value", with the space French typography puts before a colon. */
const labelled = (l: Language, label: string, value: string) => `${label}${l === 'fr' ? ' :' : ':'} ${value}`;
const BRAND: Record<Language, string> = { es: 'TaxasGE:', fr: 'TaxasGE :', en: 'TaxasGE:' };

/** A template whose structure (which paragraphs, when) is written once; only its phrases differ by language. */
function byLanguage<T extends TemplateName>(
  render: (l: Language, v: TemplateValues<T>) => RenderedMessage,
): Record<Language, (v: TemplateValues<T>) => RenderedMessage> {
  return { es: (v) => render('es', v), fr: (v) => render('fr', v), en: (v) => render('en', v) };
}

const APPROVED: Record<Language, { status: (n: string, ref: string) => string; due: (amount: string) => string; final: string; amountLabel: string }> = {
  es: {
    status: (n, ref) => `su ${n} ${ref} ha sido aprobada`,
    due: (a) => `Importe a pagar: ${a}. Ya puede pagarla desde la aplicación TaxasGE.`,
    final: 'Su recibo es definitivo; puede consultarlo en la aplicación TaxasGE.',
    amountLabel: 'Importe a pagar',
  },
  fr: {
    status: (n, ref) => `votre ${n} ${ref} a été approuvée`,
    due: (a) => `Montant à payer : ${a}. Vous pouvez maintenant la payer dans l'application TaxasGE.`,
    final: "Votre reçu est définitif ; vous pouvez le consulter dans l'application TaxasGE.",
    amountLabel: 'Montant à payer',
  },
  en: {
    status: (n, ref) => `your ${n} ${ref} has been approved`,
    due: (a) => `Amount to pay: ${a}. You can now pay it in the TaxasGE app.`,
    final: 'Your receipt is final; you can see it in the TaxasGE app.',
    amountLabel: 'Amount to pay',
  },
};

const REJECTED: Record<Language, { status: (n: string, ref: string) => string; reasonLabel: string; refund: string }> = {
  es: {
    status: (n, ref) => `su ${n} ${ref} ha sido rechazada`,
    reasonLabel: 'Motivo',
    refund: 'Nuestro equipo de finanzas gestionará el reembolso de su pago.',
  },
  fr: {
    status: (n, ref) => `votre ${n} ${ref} a été refusée`,
    reasonLabel: 'Motif',
    refund: 'Notre service financier traitera le remboursement de votre paiement.',
  },
  en: { status: (n, ref) => `your ${n} ${ref} has been rejected`, reasonLabel: 'Reason', refund: 'Our finance team will handle the refund of your payment.' },
};

type Phrase = (n: string, ref: string) => string;
const DOCUMENTS: Record<
  Language,
  { subject: Phrase; lead: Phrase; messageLabel: string; upload: (n: string) => string; shortLead: Phrase; shortUpload: string }
> = {
  es: {
    subject: (n, ref) => `Documentos necesarios para su ${n} ${ref}`,
    lead: (n, ref) => `Para continuar con su ${n} ${ref}, el agente necesita más documentos.`,
    messageLabel: 'Mensaje del agente',
    upload: (n) => `Súbalos en la aplicación TaxasGE y vuelva a enviar su ${n}.`,
    shortLead: (n, ref) => `su ${n} ${ref} necesita más documentos`,
    shortUpload: 'Súbalos en la aplicación.',
  },
  fr: {
    subject: (n, ref) => `Documents demandés pour votre ${n} ${ref}`,
    lead: (n, ref) => `Pour poursuivre l'examen de votre ${n} ${ref}, l'agent a besoin de documents supplémentaires.`,
    messageLabel: "Message de l'agent",
    upload: (n) => `Déposez-les dans l'application TaxasGE puis soumettez à nouveau votre ${n}.`,
    shortLead: (n, ref) => `documents demandés pour votre ${n} ${ref}`,
    shortUpload: "Déposez-les dans l'application.",
  },
  en: {
    subject: (n, ref) => `Documents needed for your ${n} ${ref}`,
    lead: (n, ref) => `To continue with your ${n} ${ref}, the agent needs more documents.`,
    messageLabel: 'Message from the agent',
    upload: (n) => `Upload them in the TaxasGE app and submit your ${n} again.`,
    shortLead: (n, ref) => `your ${n} ${ref} needs more documents`,
    shortUpload: 'Upload them in the app.',
  },
};

export const TEMPLATE_TEXTS: Texts = {
  'declaration-submitted': {
    es: (v) => {
      const n = NOUN.es[v.kind];
      return {
        subject: `${cap(n)} ${v.reference} recibida`,
        text: body('es', v.fullName, `Hemos recibido su ${n} ${v.reference}. Un agente del ministerio la revisará y le informaremos del resultado.`),
        short: `TaxasGE: hemos recibido su ${n} ${v.reference}. Le avisaremos cuando haya sido revisada.`,
      };
    },
    fr: (v) => {
      const n = NOUN.fr[v.kind];
      return {
        subject: `${cap(n)} ${v.reference} reçue`,
        text: body(
          'fr',
          v.fullName,
          `Nous avons bien reçu votre ${n} ${v.reference}. Un agent du ministère va l'examiner et nous vous informerons du résultat.`,
        ),
        short: `TaxasGE : votre ${n} ${v.reference} a bien été reçue. Nous vous informerons du résultat de son examen.`,
      };
    },
    en: (v) => {
      const n = NOUN.en[v.kind];
      return {
        subject: `${cap(n)} ${v.reference} received`,
        text: body('en', v.fullName, `We have received your ${n} ${v.reference}. A ministry agent will review it and we will let you know the outcome.`),
        short: `TaxasGE: we received your ${n} ${v.reference}. We will let you know once it has been reviewed.`,
      };
    },
  },
  'declaration-approved': byLanguage<'declaration-approved'>((l, v) => {
    const p = APPROVED[l];
    const status = p.status(NOUN[l][v.kind], v.reference);
    const due = v.amountDue === null ? null : formatXaf(v.amountDue, l);
    return {
      subject: cap(status),
      text: body(l, v.fullName, `${cap(status)}.`, due ? p.due(due) : p.final),
      short: `${BRAND[l]} ${status}.${due ? ` ${labelled(l, p.amountLabel, due)}.` : ''}`,
    };
  }),
  'declaration-rejected': byLanguage<'declaration-rejected'>((l, v) => {
    const p = REJECTED[l];
    const status = p.status(NOUN[l][v.kind], v.reference);
    return {
      subject: cap(status),
      text: body(l, v.fullName, `${cap(status)}.`, v.reason !== null && labelled(l, p.reasonLabel, v.reason), v.refundDue && p.refund),
      short: `${BRAND[l]} ${status}.${v.reason ? ` ${labelled(l, p.reasonLabel, clip(v.reason))}` : ''}`,
    };
  }),
  'documents-requested': byLanguage<'documents-requested'>((l, v) => {
    const p = DOCUMENTS[l];
    const n = NOUN[l][v.kind];
    return {
      subject: p.subject(n, v.reference),
      text: body(l, v.fullName, p.lead(n, v.reference), v.message !== null && labelled(l, p.messageLabel, v.message), p.upload(n)),
      short: `${BRAND[l]} ${p.shortLead(n, v.reference)}.${v.message ? ` ${clip(v.message)}` : ` ${p.shortUpload}`}`,
    };
  }),
  'payment-received': {
    es: (v) => {
      const amount = formatXaf(v.amount, 'es');
      return {
        subject: `Pago recibido: ${amount}`,
        text: body('es', v.fullName, `Hemos recibido su pago de ${amount} (referencia ${v.reference}). Gracias.`),
        short: `TaxasGE: hemos recibido su pago de ${amount} (ref. ${v.reference}). Gracias.`,
      };
    },
    fr: (v) => {
      const amount = formatXaf(v.amount, 'fr');
      return {
        subject: `Paiement reçu : ${amount}`,
        text: body('fr', v.fullName, `Nous avons bien reçu votre paiement de ${amount} (référence ${v.reference}). Merci.`),
        short: `TaxasGE : paiement de ${amount} reçu (réf. ${v.reference}). Merci.`,
      };
    },
    en: (v) => {
      const amount = formatXaf(v.amount, 'en');
      return {
        subject: `Payment received: ${amount}`,
        text: body('en', v.fullName, `We have received your payment of ${amount} (reference ${v.reference}). Thank you.`),
        short: `TaxasGE: we received your payment of ${amount} (ref. ${v.reference}). Thank you.`,
      };
    },
  },
  // Sent by the identity service through the same Notifier port, so a provider adapter can render it too.
  'password-reset': {
    es: (v) => ({
      subject: 'Restablezca su contraseña de TaxasGE',
      text: body(
        'es',
        v.fullName,
        `Para elegir una nueva contraseña, abra este enlace en los próximos ${v.expiresInMinutes} minutos:\n${v.link}`,
        'Si no ha pedido este cambio, ignore este mensaje: su contraseña sigue siendo la misma.',
      ),
      short: `TaxasGE: para restablecer su contraseña abra ${v.link} (válido ${v.expiresInMinutes} min).`,
    }),
    fr: (v) => ({
      subject: 'Réinitialisez votre mot de passe TaxasGE',
      text: body(
        'fr',
        v.fullName,
        `Pour choisir un nouveau mot de passe, ouvrez ce lien dans les ${v.expiresInMinutes} prochaines minutes :\n${v.link}`,
        "Si vous n'avez pas demandé ce changement, ignorez ce message : votre mot de passe reste inchangé.",
      ),
      short: `TaxasGE : pour réinitialiser votre mot de passe, ouvrez ${v.link} (valable ${v.expiresInMinutes} min).`,
    }),
    en: (v) => ({
      subject: 'Reset your TaxasGE password',
      text: body(
        'en',
        v.fullName,
        `To choose a new password, open this link within the next ${v.expiresInMinutes} minutes:\n${v.link}`,
        'If you did not ask for this, ignore this message: your password stays the same.',
      ),
      short: `TaxasGE: to reset your password open ${v.link} (valid ${v.expiresInMinutes} min).`,
    }),
  },
  'review-sla-warning': {
    es: (v) => ({
      subject: `${cap(NOUN.es[v.kind])} ${v.reference}: ${v.waitingHours} h en revisión`,
      text: body(
        'es',
        v.fullName,
        `La ${NOUN.es[v.kind]} ${v.reference} espera su revisión desde hace ${v.waitingHours} horas. El objetivo es 24 horas; a las 72 horas pasa a los supervisores.`,
      ),
      short: `TaxasGE: ${v.reference} espera revisión desde hace ${v.waitingHours} h. A las 72 h pasa a los supervisores.`,
    }),
    fr: (v) => ({
      subject: `${cap(NOUN.fr[v.kind])} ${v.reference} : ${v.waitingHours} h en attente d'examen`,
      text: body(
        'fr',
        v.fullName,
        `La ${NOUN.fr[v.kind]} ${v.reference} attend son examen depuis ${v.waitingHours} heures. L'objectif est de 24 heures ; à 72 heures elle passe aux superviseurs.`,
      ),
      short: `TaxasGE : ${v.reference} attend son examen depuis ${v.waitingHours} h. À 72 h elle passe aux superviseurs.`,
    }),
    en: (v) => ({
      subject: `${cap(NOUN.en[v.kind])} ${v.reference}: ${v.waitingHours} h waiting for review`,
      text: body(
        'en',
        v.fullName,
        `The ${NOUN.en[v.kind]} ${v.reference} has waited ${v.waitingHours} hours for review. The target is 24 hours; at 72 hours it goes to the supervisors.`,
      ),
      short: `TaxasGE: ${v.reference} has waited ${v.waitingHours} h for review. At 72 h it goes to the supervisors.`,
    }),
  },
  'review-escalated': {
    es: (v) => ({
      subject: `${cap(NOUN.es[v.kind])} ${v.reference} escalada: ${v.waitingHours} h sin decisión`,
      text: body(
        'es',
        v.fullName,
        `La ${NOUN.es[v.kind]} ${v.reference} lleva ${v.waitingHours} horas sin decisión y se le ha escalado. Puede decidirla sin reclamarla.`,
      ),
      short: `TaxasGE: ${v.reference} escalada tras ${v.waitingHours} h sin decisión.`,
    }),
    fr: (v) => ({
      subject: `${cap(NOUN.fr[v.kind])} ${v.reference} escaladée : ${v.waitingHours} h sans décision`,
      text: body(
        'fr',
        v.fullName,
        `La ${NOUN.fr[v.kind]} ${v.reference} attend une décision depuis ${v.waitingHours} heures et vous a été transmise. Vous pouvez la traiter sans la réclamer.`,
      ),
      short: `TaxasGE : ${v.reference} vous est transmise après ${v.waitingHours} h sans décision.`,
    }),
    en: (v) => ({
      subject: `${cap(NOUN.en[v.kind])} ${v.reference} escalated: ${v.waitingHours} h without a decision`,
      text: body(
        'en',
        v.fullName,
        `The ${NOUN.en[v.kind]} ${v.reference} has waited ${v.waitingHours} hours without a decision and was escalated to you. You may decide it without claiming it.`,
      ),
      short: `TaxasGE: ${v.reference} escalated to you after ${v.waitingHours} h without a decision.`,
    }),
  },
};
