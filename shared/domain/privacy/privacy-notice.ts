/** The privacy notice the apps show, in Spanish, French and English, with the periods this deployment applies. */
import type { Language } from '../../ports/language';
import type { RetentionSettings } from './retention.service';

export const PRIVACY_NOTICE_VERSION = '2026-01-1';

export interface PrivacyNotice {
  version: string;
  lang: Language;
  title: string;
  sections: { heading: string; body: string }[];
  retention: RetentionSettings;
}

type Texts = { title: string; sections: [string, string][] };

function texts(r: RetentionSettings): Record<Language, Texts> {
  return {
    es: {
      title: 'Aviso de privacidad de TaxasGE',
      sections: [
        ['Responsable', 'El Ministerio de Hacienda de Guinea Ecuatorial trata sus datos a través de TaxasGE para gestionar tasas, declaraciones y pagos.'],
        [
          'Datos que tratamos',
          'Correo electrónico, nombre, teléfono, NIF, idioma; sus declaraciones, documentos, pagos y recibos; los avisos enviados; registros de seguridad (fecha, acción, dirección IP).',
        ],
        [
          'Finalidad',
          'Gestionar su cuenta y sus trámites fiscales, cobrar a través de BANGE, emitir recibos verificables, avisarle del estado de sus trámites y proteger el servicio.',
        ],
        [
          'Conservación',
          `Los registros fiscales (declaraciones presentadas o pagadas, pagos, recibos y sus documentos) se conservan ${r.fiscalYears} años. Los documentos de trámites cerrados sin pago, ${r.documentDays} días. Los avisos, ${r.notificationDays} días. Los mensajes del banco, ${r.webhookBodyDays} días. Las sesiones, hasta 30 días tras caducar.`,
        ],
        [
          'Sus derechos',
          'Puede descargar todos sus datos (GET /api/v1/me/data) y pedir su supresión (POST /api/v1/me/erasure). Se suprime todo lo que la ley no obliga a conservar; la respuesta indica qué se conserva, por qué y hasta cuándo.',
        ],
        [
          'Destinatarios',
          'BANGE (pagos), los proveedores de correo, SMS y notificaciones, y Google Cloud (alojamiento en la Unión Europea). No vendemos sus datos.',
        ],
      ],
    },
    fr: {
      title: 'Avis de confidentialité de TaxasGE',
      sections: [
        ['Responsable', 'Le ministère des Finances de Guinée équatoriale traite vos données via TaxasGE pour gérer taxes, déclarations et paiements.'],
        [
          'Données traitées',
          'Adresse électronique, nom, téléphone, NIF, langue ; vos déclarations, documents, paiements et reçus ; les notifications envoyées ; le journal de sécurité (date, action, adresse IP).',
        ],
        [
          'Finalité',
          "Gérer votre compte et vos démarches fiscales, encaisser via BANGE, émettre des reçus vérifiables, vous informer de l'avancement et protéger le service.",
        ],
        [
          'Conservation',
          `Les pièces fiscales (déclarations déposées ou payées, paiements, reçus et leurs documents) sont conservées ${r.fiscalYears} ans. Les documents des démarches closes sans paiement, ${r.documentDays} jours. Les notifications, ${r.notificationDays} jours. Les messages de la banque, ${r.webhookBodyDays} jours. Les sessions, jusqu'à 30 jours après expiration.`,
        ],
        [
          'Vos droits',
          "Vous pouvez télécharger toutes vos données (GET /api/v1/me/data) et demander leur effacement (POST /api/v1/me/erasure). Tout ce que la loi n'oblige pas à conserver est effacé ; la réponse indique ce qui est conservé, pourquoi et jusqu'à quand.",
        ],
        [
          'Destinataires',
          "BANGE (paiements), les prestataires de courriel, SMS et notifications, et Google Cloud (hébergement dans l'Union européenne). Vos données ne sont pas vendues.",
        ],
      ],
    },
    en: {
      title: 'TaxasGE privacy notice',
      sections: [
        ['Controller', 'The Ministry of Finance of Equatorial Guinea processes your data through TaxasGE to handle fees, tax declarations and payments.'],
        [
          'Data we process',
          'Email, name, phone, tax id (NIF), language; your declarations, documents, payments and receipts; the notifications sent to you; security records (time, action, IP address).',
        ],
        [
          'Purpose',
          'Running your account and your fiscal procedures, collecting payments through BANGE, issuing verifiable receipts, telling you how your files progress, and protecting the service.',
        ],
        [
          'Retention',
          `Fiscal records (declarations filed or paid, payments, receipts and their documents) are kept ${r.fiscalYears} years. Documents of files closed without payment, ${r.documentDays} days. Notifications, ${r.notificationDays} days. The bank's messages, ${r.webhookBodyDays} days. Sessions, up to 30 days after they expire.`,
        ],
        [
          'Your rights',
          'You can download all your data (GET /api/v1/me/data) and ask for its erasure (POST /api/v1/me/erasure). Everything the law does not require us to keep is erased; the answer says what is kept, why and until when.',
        ],
        ['Recipients', 'BANGE (payments), the email, SMS and push providers, and Google Cloud (hosting in the European Union). Your data is never sold.'],
      ],
    },
  };
}

export function privacyNotice(lang: Language, retention: RetentionSettings): PrivacyNotice {
  const t = texts(retention)[lang];
  return { version: PRIVACY_NOTICE_VERSION, lang, title: t.title, sections: t.sections.map(([heading, body]) => ({ heading, body })), retention };
}
