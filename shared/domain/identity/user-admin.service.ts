/** Admin changes to accounts: role, ministries, status — checked, audited, and applied to live sessions. */
import type { Database } from '../../ports/database.port';
import { AppError, NotFoundError, ValidationError } from '../../errors/app-error';
import type { Role } from './roles';
import type { Cache } from '../../ports/cache.port';
import type { Clock } from '../../ports/clock.port';
import type { AuditLog } from '../audit/audit-log';
import { accountCacheKey } from './authenticator';
import type { Principal } from './principal';
import { revokeAllForUser } from './sessions.repository';
import type { User, UserStatus } from './user.types';
import { findUserById, listUsers, lockActiveAdmins, updateUserAccess, withoutSecret } from './users.repository';

const SCOPED: readonly Role[] = ['agent', 'supervisor'];

export interface AccessChange {
  role?: Role | undefined;
  ministries?: string[] | undefined;
  status?: UserStatus | undefined;
}

export function createUserAdminService(deps: { db: Database; clock: Clock; cache: Cache; audit: AuditLog; knownMinistries: () => Promise<Set<string>> }) {
  return {
    async list(filter: { role?: Role | undefined; status?: UserStatus | undefined; after?: string | undefined; limit: number }) {
      const { users, total } = await listUsers(deps.db, {
        limit: filter.limit,
        ...(filter.role ? { role: filter.role } : {}),
        ...(filter.status ? { status: filter.status } : {}),
        ...(filter.after ? { after: filter.after } : {}),
      });
      return { users: users.map(withoutSecret), total };
    },

    async update(actor: Principal & { email?: string }, id: string, change: AccessChange, ip: string): Promise<User> {
      const updated = await deps.db.transaction(async (tx) => {
        const before = await findUserById(tx, id);
        if (!before) throw new NotFoundError(`No account has id ${id}.`);
        const role = change.role ?? before.role;
        const scoped = SCOPED.includes(role);
        if (!scoped && change.ministries?.length) {
          throw new ValidationError(`Ministries apply to agents and supervisors only, not to ${role}.`, [
            { path: 'body.ministries', message: `not allowed for role ${role}` },
          ]);
        }
        if (role === 'business' && !before.taxId) {
          throw new ValidationError('A business account needs a NIF; this account has none.', [
            { path: 'body.role', message: 'business needs a NIF on the account' },
          ]);
        }
        if (change.ministries?.length) {
          const known = await deps.knownMinistries();
          const unknown = change.ministries.filter((m) => !known.has(m));
          if (unknown.length)
            throw new ValidationError(
              `Unknown ministries: ${unknown.join(', ')}.`,
              unknown.map((m) => ({ path: 'body.ministries', message: `unknown ministry ${m}` })),
            );
        }
        // Nobody locks the admins out: an admin keeps their own role and status, and the last active admin stays one.
        const removesAdmin = before.role === 'admin' && before.status === 'active' && (role !== 'admin' || (change.status ?? before.status) !== 'active');
        if (removesAdmin && id === actor.userId) {
          throw new AppError('admin_self_change', 'An admin cannot remove their own admin role or suspend themselves; another admin must.');
        }
        if (removesAdmin && (await lockActiveAdmins(tx)).filter((admin) => admin !== id).length === 0) {
          throw new AppError('last_active_admin', 'This is the last active admin; make another account admin first.');
        }
        const ministries = scoped ? [...new Set(change.ministries ?? before.ministries)].sort() : [];
        const now = deps.clock.now();
        const after = (await updateUserAccess(tx, id, { role, ministries, ...(change.status ? { status: change.status } : {}) }, now))!;
        const sessionsEnded = after.status === 'suspended' ? await revokeAllForUser(tx, id, now) : 0;
        await deps.audit.record(tx, {
          action: 'user.access_changed',
          actorId: actor.userId,
          actorEmail: actor.email ?? null,
          target: `user:${id}`,
          ip,
          details: {
            before: { role: before.role, ministries: before.ministries, status: before.status },
            after: { role: after.role, ministries: after.ministries, status: after.status },
            sessionsEnded,
          },
        });
        return after;
      });
      // Live access tokens re-read the account on their next request.
      await deps.cache.del(accountCacheKey(id)).catch(() => undefined);
      return withoutSecret(updated);
    },
  };
}
