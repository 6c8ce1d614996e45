/** Accounts as the domain sees them. */
import type { Role } from './roles';
import type { Language } from '../../ports/language';

export type UserStatus = 'active' | 'suspended';

export interface User {
  id: string;
  email: string;
  fullName: string;
  phone: string | null;
  role: Role;
  ministries: string[];
  taxId: string | null;
  locale: Language;
  status: UserStatus;
  createdAt: Date;
}

export interface UserWithSecret extends User {
  passwordHash: string;
}
