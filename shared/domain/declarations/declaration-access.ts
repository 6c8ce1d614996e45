/** Who may see a declaration, and as what actor; anyone else is told it does not exist. */
import { NotFoundError } from '../../errors/app-error';
import type { Principal } from '../identity/principal';
import type { Actor } from './declaration-state-machine';
import type { Declaration } from './declaration.types';

export function actorFor(principal: Principal, d: Declaration): Actor | undefined {
  if (principal.userId === d.ownerId) return 'owner';
  if ((principal.role === 'agent' || principal.role === 'supervisor') && principal.ministries.includes(d.ministry)) return principal.role;
  if (principal.role === 'finance') return 'finance';
  return undefined;
}

/** Admins read everything; other callers need a relation to the declaration. */
export function assertCanRead(principal: Principal, d: Declaration | undefined, id: string): asserts d is Declaration {
  if (!d || (principal.role !== 'admin' && !actorFor(principal, d))) throw new NotFoundError(`No declaration ${id} is visible to you.`);
}
