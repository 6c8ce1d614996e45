/**
 * 5xx answers the hostile-input properties found, each kept as the exact request that showed it.
 * Each was a 5xx once; the fixes (SQLSTATE class 22 mapped to 400, bounded `data` size check,
 * calendar-checked dates, periods from 1900) keep them 4xx problem+json.
 */
import { createHostileApp, type HostileApp } from './support/hostile-app';
import { answerProblems, sendRaw, type RawRequest } from './support/hostile-requests';

let h: HostileApp;
beforeAll(async () => {
  h = await createHostileApp();
});
afterAll(() => h.close());

const json = (body: unknown) => Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
const as = (role: 'citizen' | 'admin' | 'finance', extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${h.accounts.get(role)!.accessToken}`,
  ...extra,
});
const jsonAs = (role: 'citizen' | 'admin' | 'finance') => as(role, { 'content-type': 'application/json' });

async function expectNo5xx(req: RawRequest) {
  const res = await sendRaw(h.portFor({ path: req.path } as never), req);
  expect({ status: res.status, problems: answerProblems(res) }).toEqual({ status: expect.any(Number), problems: [] });
}

const NUL_CASES: [string, () => RawRequest][] = [
  // Anyone, unauthenticated: PostgreSQL refuses U+0000 in a text parameter (22021), answered 500.
  ['GET /api/v1/fiscal-services?q=%00 (anonymous)', () => ({ method: 'GET', path: '/api/v1/fiscal-services?q=%00', headers: {} })],
  [
    'POST /api/v1/auth/register with U+0000 in fullName (anonymous)',
    () => ({
      method: 'POST',
      path: '/api/v1/auth/register',
      headers: { 'content-type': 'application/json' },
      body: json({ email: 'nul@example.gq', password: 'Abcdef-12345!xyz', fullName: 'a\u0000b', accountType: 'citizen', locale: 'es' }),
    }),
  ],
  ['POST /api/v1/admin/webhooks/%00/replay (admin)', () => ({ method: 'POST', path: '/api/v1/admin/webhooks/%00/replay', headers: as('admin') })],
  ['GET /api/v1/admin/audit-log?action=%00 (admin)', () => ({ method: 'GET', path: '/api/v1/admin/audit-log?action=%00', headers: as('admin') })],
  // jsonb refuses the escape \u0000 (22P05) and a lone surrogate (22P02).
  [
    'POST /api/v1/declarations with "\\u0000" in data (citizen)',
    () => ({
      method: 'POST',
      path: '/api/v1/declarations',
      headers: jsonAs('citizen'),
      body: json({ kind: 'service_fee', serviceCode: 'T-001', feeType: 'expedition', data: { note: 'a\u0000' } }),
    }),
  ],
  [
    'POST /api/v1/declarations with a lone surrogate "\\ud800" in data (citizen)',
    () => ({
      method: 'POST',
      path: '/api/v1/declarations',
      headers: jsonAs('citizen'),
      body: json({ kind: 'service_fee', serviceCode: 'T-001', feeType: 'expedition', data: { note: '\ud800' } }),
    }),
  ],
];

describe('text PostgreSQL cannot store', () => {
  it.each(NUL_CASES)('%s answers 4xx problem+json, not 500', async (_name, req) => expectNo5xx(req()));
});

describe('values past what the code handles', () => {
  // The Data refine runs JSON.stringify over the body's `data`, which overflows the stack at depth 5000 (RangeError).
  it('POST /api/v1/declarations with `data` nested 5000 deep answers 400', async () => {
    const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    await expectNo5xx({
      method: 'POST',
      path: '/api/v1/declarations',
      headers: jsonAs('citizen'),
      body: json(`{"kind":"service_fee","serviceCode":"T-001","feeType":"expedition","data":${deep}}`),
    });
  });

  // The period regex accepts year 0000; its deadline "0-02-15" is out of PostgreSQL's date range.
  it('POST /api/v1/declarations for period 0000-01 answers 400', async () => {
    await expectNo5xx({
      method: 'POST',
      path: '/api/v1/declarations',
      headers: jsonAs('citizen'),
      body: json({ kind: 'tax_return', taxType: 'vat', period: '0000-01', declaredAmount: 10 }),
    });
  });

  // The query accepts any YYYY-MM-DD; the BANGE adapter then refuses 2026-02-30 (BankError invalid_request), unmapped.
  it('GET /api/v1/finance/reconciliation?date=2026-02-30 answers 400', async () => {
    await expectNo5xx({ method: 'GET', path: '/api/v1/finance/reconciliation?date=2026-02-30', headers: as('finance') });
  });
});
