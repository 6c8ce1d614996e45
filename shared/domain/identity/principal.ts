/** Who is calling: established from the access token and the account's current state. */
import type { Role } from './roles';

export interface Principal {
  userId: string;
  role: Role;
  /** Ministries an agent or supervisor acts within; empty for other roles. */
  ministries: string[];
}
