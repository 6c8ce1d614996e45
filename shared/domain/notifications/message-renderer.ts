/** Turns an outgoing message (template, locale, values) into the subject, text and short text a channel sends. */
import { LANGUAGES } from '../../ports/language';
import type { OutgoingMessage } from '../../ports/notifier.port';
import { TEMPLATE_TEXTS, TEMPLATE_VALUES, type RenderedMessage, type TemplateName } from './notification-templates';

export const TEMPLATE_NAMES = Object.keys(TEMPLATE_VALUES) as TemplateName[];

export function isTemplateName(name: string): name is TemplateName {
  return Object.hasOwn(TEMPLATE_VALUES, name);
}

/**
 * Renders a message; throws when the template is unknown or its values are missing or of the wrong
 * type. The error names the fields, never their values: payloads may hold secrets (a reset link).
 */
export function renderMessage(message: Pick<OutgoingMessage, 'template' | 'locale' | 'payload'>): RenderedMessage {
  const { template, locale } = message;
  if (!isTemplateName(template)) {
    throw new Error(`unknown notification template "${template}": expected one of ${TEMPLATE_NAMES.join(', ')}`);
  }
  if (!LANGUAGES.includes(locale)) {
    throw new Error(`unknown locale "${String(locale)}" for template "${template}": expected one of ${LANGUAGES.join(', ')}`);
  }
  const parsed = TEMPLATE_VALUES[template].safeParse(message.payload);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ');
    throw new Error(`template "${template}" cannot render its payload: ${problems}`);
  }
  // TypeScript cannot tie the parsed values to the template's own text functions; the schema above just did.
  const texts = TEMPLATE_TEXTS[template][locale] as (values: unknown) => RenderedMessage;
  return texts(parsed.data);
}
