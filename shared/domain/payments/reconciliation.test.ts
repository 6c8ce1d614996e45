import type { Queryable } from '../../ports/database.port';
import type { Bank, StatementLine } from '../../ports/bank.port';
import { malaboDate, malaboDayBounds, malaboYesterday, MALABO_TIME_ZONE, reconcileDay } from './reconciliation';

describe('days of Equatorial Guinea (Africa/Malabo, UTC+1)', () => {
  it('runs a day from 23:00Z the day before to 23:00Z', () => {
    expect(malaboDayBounds('2026-01-15')).toEqual({ from: new Date('2026-01-14T23:00:00.000Z'), to: new Date('2026-01-15T23:00:00.000Z') });
    // Across a month, a year and a leap day.
    expect(malaboDayBounds('2026-03-01').from).toEqual(new Date('2026-02-28T23:00:00.000Z'));
    expect(malaboDayBounds('2027-01-01').from).toEqual(new Date('2026-12-31T23:00:00.000Z'));
    expect(malaboDayBounds('2028-02-29').to).toEqual(new Date('2028-02-29T23:00:00.000Z'));
  });

  it('puts 23:30Z on the next Malabo day and 22:59Z on the same one', () => {
    expect(malaboDate(new Date('2026-01-15T23:30:00Z'))).toBe('2026-01-16');
    expect(malaboDate(new Date('2026-01-15T23:00:00Z'))).toBe('2026-01-16');
    expect(malaboDate(new Date('2026-01-15T22:59:59.999Z'))).toBe('2026-01-15');
    expect(malaboDate(new Date('2026-12-31T23:30:00Z'))).toBe('2027-01-01');
  });

  it("takes yesterday in Malabo, not in UTC, for the morning's run", () => {
    expect(malaboYesterday(new Date('2026-01-16T05:30:00Z'))).toBe('2026-01-15'); // 06:30 WAT, when the scheduler runs
    expect(malaboYesterday(new Date('2026-01-15T23:30:00Z'))).toBe('2026-01-15'); // already the 16th in Malabo
    expect(malaboYesterday(new Date('2026-01-15T22:30:00Z'))).toBe('2026-01-14');
    expect(malaboYesterday(new Date('2026-03-01T00:30:00Z'))).toBe('2026-02-28');
  });

  it('agrees with the tz database: no daylight saving time in any month', () => {
    const intl = new Intl.DateTimeFormat('en-CA', { timeZone: MALABO_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });
    const differ: string[] = [];
    for (let t = Date.parse('2026-01-01T00:00:00Z'); t < Date.parse('2027-01-01T00:00:00Z'); t += 3 * 3_600_000 + 60_000) {
      if (malaboDate(new Date(t)) !== intl.format(new Date(t))) differ.push(new Date(t).toISOString());
    }
    expect(differ).toEqual([]);
  });
});

describe('the statement of a Malabo day', () => {
  const line = (transactionId: string, at: string, type: StatementLine['type'] = 'payment'): StatementLine => ({
    transactionId,
    reference: `PAY-${transactionId}`,
    type,
    amount: 1000,
    currency: 'XAF',
    at,
  });
  // BANGE's statements are UTC days (bank.port.ts; the sandbox refuses lines off their UTC day).
  const lines = [
    line('d13-late', '2026-01-13T23:30:00.000Z'),
    line('d14-morning', '2026-01-14T10:00:00.000Z'),
    line('d14-late', '2026-01-14T23:30:00.000Z'),
    line('d15-first', '2026-01-15T00:00:00.000Z'),
    line('d15-last', '2026-01-15T22:59:59.000Z'),
    line('d15-late', '2026-01-15T23:00:00.000Z'),
    line('d15-refund', '2026-01-15T12:00:00.000Z', 'refund'),
  ];
  const asked: string[] = [];
  const bank = {
    dailyStatement: async (date: string) => {
      asked.push(date);
      return lines.filter((l) => l.at.startsWith(date));
    },
  } as Bank;
  const noRows: Queryable = { query: async () => ({ rows: [], rowCount: 0 }) };

  it("keeps the lines between 23:00Z the day before and 23:00Z, reading both UTC days' statements", async () => {
    const report = await reconcileDay(noRows, bank, '2026-01-15', new Date('2026-01-16T05:30:00Z'));
    expect(asked.sort()).toEqual(['2026-01-14', '2026-01-15']);
    expect(
      report.unmatched
        .filter((i) => i.kind === 'payment')
        .map((i) => i.transactionId)
        .sort(),
    ).toEqual(['d14-late', 'd15-first', 'd15-last']);
    expect(report.unmatched.every((i) => i.problem === 'missing_webhook')).toBe(true);
    expect(report.totals).toEqual({ statement: 3000, webhooks: 0, ledger: 0 });
    // Refund lines are reconciled as refunds (a line without BANGE's refund id is named by its payment and time).
    expect(report.unmatched.filter((i) => i.kind === 'refund').map((i) => i.transactionId)).toEqual(['d15-refund@2026-01-15T12:00:00.000Z']);
    expect(report.refundTotals).toEqual({ statement: 1000, webhooks: 0, ledger: 0 });
  });
});
