/** Turns the phone number a user typed at registration into the E.164 form SMS providers require. */

/** Equatorial Guinea's country calling code, assumed for national numbers (nine digits, no prefix). */
const DEFAULT_COUNTRY_CODE = '240';

/** `+240222123456` from `+240 222 123 456`, `00240222123456` or `222 123 456`; undefined when it cannot tell. */
export function toE164(phone: string): string | undefined {
  const compact = phone.replace(/[\s().-]/g, '');
  const international = compact.startsWith('00') ? `+${compact.slice(2)}` : compact;
  if (/^\+[1-9]\d{6,14}$/.test(international)) return international;
  if (/^\d{9}$/.test(compact)) return `+${DEFAULT_COUNTRY_CODE}${compact}`;
  return undefined;
}
