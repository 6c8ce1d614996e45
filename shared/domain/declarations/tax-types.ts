/** Tax returns the platform accepts: the ministry that reviews them and how their deadline follows from the period. */

export const TAX_TYPES = {
  vat: { ministry: 'M-007', periods: ['monthly'] },
  personal_income: { ministry: 'M-007', periods: ['annual'] },
  corporate_income: { ministry: 'M-007', periods: ['annual'] },
  withholding: { ministry: 'M-007', periods: ['monthly', 'quarterly'] },
} as const;

export type TaxType = keyof typeof TAX_TYPES;

/** `2026` (annual), `2026-Q3` (quarterly), `2026-07` (monthly). */
export const PERIOD_PATTERN = /^(\d{4})(?:-(0[1-9]|1[0-2])|-Q([1-4]))?$/;

type PeriodKind = 'annual' | 'quarterly' | 'monthly';

export function periodKind(period: string): PeriodKind | undefined {
  const m = PERIOD_PATTERN.exec(period);
  if (!m) return undefined;
  return m[2] ? 'monthly' : m[3] ? 'quarterly' : 'annual';
}

/** The filing deadline: the 15th of the next month, the 20th after a quarter, 30 June after a year. */
export function deadlineOf(period: string): string {
  const m = PERIOD_PATTERN.exec(period)!;
  const year = Number(m[1]);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (m[2]) {
    const month = Number(m[2]);
    return month === 12 ? `${year + 1}-01-15` : `${year}-${pad(month + 1)}-15`;
  }
  if (m[3]) {
    const quarterEnd = Number(m[3]) * 3;
    return quarterEnd === 12 ? `${year + 1}-01-20` : `${year}-${pad(quarterEnd + 1)}-20`;
  }
  return `${year + 1}-06-30`;
}
