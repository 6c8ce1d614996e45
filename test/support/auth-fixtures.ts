/** Builders for accounts and tokens in tests: `anAccount().withRole('agent', ['M-001']).create(app)`. */
import request from 'supertest';
import { hashPassword } from '../../shared/domain/identity/password';
import type { Role } from '../../shared/domain/identity/roles';
import { getAccessTokens } from '../../shared/runtime/identity';
import type { TestApp } from './test-app';

let sequence = 0;
// Hashing is deliberately slow; tests share one hash for fixture accounts.
let sharedHash: Promise<string> | undefined;
export const FIXTURE_PASSWORD = 'Fixture-Passw0rd';

export interface CreatedAccount {
  id: string;
  email: string;
  role: Role;
  ministries: string[];
  accessToken: string;
}

export function anAccount() {
  const n = ++sequence;
  const state = {
    email: `user${n}-${Date.now()}@example.gq`,
    role: 'citizen' as Role,
    ministries: [] as string[],
    status: 'active',
    taxId: null as string | null,
  };
  const builder = {
    withEmail(email: string) {
      state.email = email;
      return builder;
    },
    withRole(role: Role, ministries: string[] = []) {
      state.role = role;
      state.ministries = ministries;
      if (role === 'business') state.taxId = 'GQ-NIF-1234';
      return builder;
    },
    suspended() {
      state.status = 'suspended';
      return builder;
    },
    async create(app: TestApp): Promise<CreatedAccount> {
      sharedHash ??= hashPassword(FIXTURE_PASSWORD);
      const id = app.runtime.ids.uuid();
      await app.database.db.query(
        `INSERT INTO users (id, email, password_hash, full_name, role, ministries, tax_id, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [id, state.email, await sharedHash, `Test ${state.role}`, state.role, state.ministries, state.taxId, state.status],
      );
      const accessToken = await getAccessTokens().sign({ userId: id, role: state.role, ministries: state.ministries });
      return { id, email: state.email, role: state.role, ministries: state.ministries, accessToken };
    },
  };
  return builder;
}

export async function loginAs(app: TestApp, email: string, password = FIXTURE_PASSWORD) {
  const res = await request(app.server).post('/api/v1/auth/login').send({ email, password }).expect(200);
  return res.body as { accessToken: string; refreshToken: string };
}

/** Signs a fresh access token at the app clock's current time (after a test moved the clock). */
export async function reissue(...accounts: CreatedAccount[]): Promise<void> {
  for (const a of accounts) a.accessToken = await getAccessTokens().sign({ userId: a.id, role: a.role, ministries: a.ministries });
}

/** Requests to the app (built later, in beforeAll) as an account: its bearer token on every call. */
export function requestsAs(app: () => TestApp) {
  return (who: CreatedAccount) => ({
    get: (path: string) => request(app().server).get(path).set('Authorization', `Bearer ${who.accessToken}`),
    post: (path: string, body?: object) => {
      const req = request(app().server).post(path).set('Authorization', `Bearer ${who.accessToken}`);
      return body ? req.send(body) : req;
    },
  });
}
