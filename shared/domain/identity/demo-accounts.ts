/** Demo accounts for local use and demos: one per role, an agent per ministry; never in production. */
import { listMinistryCodes } from '../catalog/catalog.repository';
import { upsertActiveUser } from './users.repository';
import type { Queryable } from '../../ports/database.port';
import type { IdGenerator } from '../../ports/ids.port';
import { hashPassword } from './password';

export const DEMO_DOMAIN = 'demo.taxasge.gq';

interface DemoAccount {
  email: string;
  fullName: string;
  role: 'citizen' | 'business' | 'agent' | 'supervisor' | 'finance' | 'admin';
  ministries: string[];
  taxId: string | null;
}

export function demoAccounts(ministryCodes: string[]): DemoAccount[] {
  const plain = (role: DemoAccount['role'], fullName: string, extra: Partial<DemoAccount> = {}): DemoAccount => ({
    email: `${role}@${DEMO_DOMAIN}`,
    fullName,
    role,
    ministries: [],
    taxId: null,
    ...extra,
  });
  return [
    plain('admin', 'Demo Admin'),
    plain('finance', 'Demo Finance'),
    plain('supervisor', 'Demo Supervisor', { ministries: ministryCodes }),
    plain('agent', 'Demo Agent (all ministries)', { ministries: ministryCodes }),
    ...ministryCodes.map((code) => plain('agent', `Demo Agent ${code}`, { email: `agent.${code.toLowerCase()}@${DEMO_DOMAIN}`, ministries: [code] })),
    plain('citizen', 'Demo Citizen'),
    plain('business', 'Demo Business S.L.', { taxId: 'GQ-NIF-000000001' }),
  ];
}

/** Creates or refreshes the demo accounts with this password; returns their emails. */
export async function seedDemoAccounts(db: Queryable, ids: IdGenerator, password: string): Promise<string[]> {
  const accounts = demoAccounts(await listMinistryCodes(db));
  const passwordHash = await hashPassword(password);
  for (const a of accounts) await upsertActiveUser(db, ids.uuid(), { ...a, passwordHash });
  return accounts.map((a) => a.email);
}
