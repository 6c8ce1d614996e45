/** Formats integer XAF amounts the way each language writes them: `2 000 XAF` (es, fr), `2,000 XAF` (en). */
import type { Language } from '../../ports/language';

// A plain space, not Intl's narrow no-break space: U+202F is outside the GSM-7 alphabet and would
// turn every SMS carrying an amount into a 70-character UCS-2 message. Intl also writes Spanish
// four-digit amounts ungrouped ("2000"), which reads inconsistently next to "12 000".
const GROUP_SEPARATOR: Record<Language, string> = { es: ' ', fr: ' ', en: ',' };

export function formatXaf(amount: number, locale: Language): string {
  if (!Number.isSafeInteger(amount)) {
    throw new RangeError(`expected an integer amount of XAF (the franc has no minor unit), got ${amount}`);
  }
  const digits = Math.abs(amount).toString();
  const grouped = digits.replace(/\B(?=(\d{3})+$)/g, GROUP_SEPARATOR[locale]);
  return `${amount < 0 ? '-' : ''}${grouped} XAF`;
}
