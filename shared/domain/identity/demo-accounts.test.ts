import { createSequentialIds } from '../../ports/ids.port';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { seedDemoAccounts } from './demo-accounts';
import { hashPassword, verifyPassword } from './password';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe('demo accounts', () => {
  it('creates one account per role and an agent for every ministry, idempotently', async () => {
    const emails = await seedDemoAccounts(t.db, createSequentialIds(), 'first-Passw0rd');
    expect(emails).toEqual(
      expect.arrayContaining([
        'admin@demo.taxasge.gq',
        'finance@demo.taxasge.gq',
        'supervisor@demo.taxasge.gq',
        'citizen@demo.taxasge.gq',
        'business@demo.taxasge.gq',
        'agent.m-001@demo.taxasge.gq',
      ]),
    );
    expect(emails).toHaveLength(4 + 14 + 2);

    await seedDemoAccounts(t.db, createSequentialIds('00000000-0000-4000-9000-'), 'second-Passw0rd');
    const { rows } = await t.db.query<{ email: string; role: string; ministries: string[]; password_hash: string }>(
      'SELECT email, role, ministries, password_hash FROM users ORDER BY email',
    );
    expect(rows).toHaveLength(20);
    const agent = rows.find((r) => r.email === 'agent.m-014@demo.taxasge.gq')!;
    expect(agent).toMatchObject({ role: 'agent', ministries: ['M-014'] });
    expect(await verifyPassword('second-Passw0rd', agent.password_hash)).toBe(true);
    expect(await verifyPassword('first-Passw0rd', agent.password_hash)).toBe(false);
  });
});

describe('password hashing', () => {
  it('salts every hash and rejects malformed stored values', async () => {
    const [a, b] = await Promise.all([hashPassword('correct horse'), hashPassword('correct horse')]);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horse', 'md5$abc')).toBe(false);
  });
});
