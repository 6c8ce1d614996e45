/** Parameterised SQL over users. */
import { findOne, type Queryable } from '../../ports/database.port';
import type { Role } from './roles';
import type { User, UserStatus, UserWithSecret } from './user.types';

interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  full_name: string;
  phone: string | null;
  role: Role;
  ministries: string[];
  tax_id: string | null;
  locale: User['locale'];
  status: UserStatus;
  created_at: Date;
}

const COLUMNS = 'id, email, password_hash, full_name, phone, role, ministries, tax_id, locale, status, created_at';

function toUser(r: UserRow): UserWithSecret {
  return {
    id: r.id,
    email: r.email,
    passwordHash: r.password_hash,
    fullName: r.full_name,
    phone: r.phone,
    role: r.role,
    ministries: r.ministries,
    taxId: r.tax_id,
    locale: r.locale,
    status: r.status,
    createdAt: r.created_at,
  };
}

export function withoutSecret({ passwordHash: _secret, ...user }: UserWithSecret): User {
  return user;
}

export interface NewUser {
  id: string;
  email: string;
  passwordHash: string;
  fullName: string;
  phone: string | null;
  role: Role;
  taxId: string | null;
  locale: User['locale'];
  createdAt: Date;
}

/** Inserts the user; returns false when the email is taken. */
export async function insertUser(db: Queryable, u: NewUser): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO users (id, email, password_hash, full_name, phone, role, tax_id, locale, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (email) DO NOTHING`,
    [u.id, u.email, u.passwordHash, u.fullName, u.phone, u.role, u.taxId, u.locale, u.createdAt],
  );
  return rowCount === 1;
}

export async function findUserByEmail(db: Queryable, email: string): Promise<UserWithSecret | undefined> {
  return findOne(db, toUser, `SELECT ${COLUMNS} FROM users WHERE email = $1`, [email]);
}

export async function findUserById(db: Queryable, id: string): Promise<UserWithSecret | undefined> {
  return findOne(db, toUser, `SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
}

export async function updatePasswordHash(db: Queryable, id: string, passwordHash: string, at: Date): Promise<void> {
  await db.query('UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1', [id, passwordHash, at]);
}

export interface UserChanges {
  role?: Role;
  ministries?: string[];
  status?: UserStatus;
}

/** Ids of the active admins, their rows locked until the transaction ends (so two admins cannot remove each other at once). */
export async function lockActiveAdmins(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>("SELECT id FROM users WHERE role = 'admin' AND status = 'active' ORDER BY id FOR UPDATE", []);
  return rows.map((r) => r.id);
}

export async function updateUserAccess(db: Queryable, id: string, changes: UserChanges, at: Date): Promise<UserWithSecret | undefined> {
  return findOne(
    db,
    toUser,
    `UPDATE users SET role = coalesce($2, role), ministries = coalesce($3, ministries), status = coalesce($4, status), updated_at = $5
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, changes.role ?? null, changes.ministries ?? null, changes.status ?? null, at],
  );
}

export async function listUsers(
  db: Queryable,
  filter: { role?: Role; status?: UserStatus; after?: string; limit: number },
): Promise<{ users: UserWithSecret[]; total: number }> {
  const { rows } = await db.query<UserRow & { total: string }>(
    `WITH matching AS (SELECT ${COLUMNS} FROM users WHERE ($1::text IS NULL OR role = $1) AND ($2::text IS NULL OR status = $2))
     SELECT t.total, p.* FROM (SELECT count(*) AS total FROM matching) t
     LEFT JOIN LATERAL (SELECT * FROM matching WHERE $3::text IS NULL OR email > $3 ORDER BY email LIMIT $4) p ON true`,
    [filter.role ?? null, filter.status ?? null, filter.after ?? null, filter.limit],
  );
  return { total: Number(rows[0]?.total ?? 0), users: rows.filter((r) => r.id !== null).map(toUser) };
}

/** What every authenticated request checks of its account: standing, role, ministries. */
export interface AccountState {
  status: UserStatus;
  role: Role;
  ministries: string[];
}

export async function findAccountState(db: Queryable, id: string): Promise<AccountState | undefined> {
  const { rows } = await db.query<AccountState>('SELECT status, role, ministries FROM users WHERE id = $1', [id]);
  return rows[0];
}

/** Creates the account, or makes an existing one with this email active again with this password, role and ministries. */
export async function upsertActiveUser(
  db: Queryable,
  id: string,
  u: { email: string; passwordHash: string; fullName: string; role: Role; ministries: string[]; taxId: string | null },
): Promise<void> {
  await db.query(
    `INSERT INTO users (id, email, password_hash, full_name, role, ministries, tax_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (email) DO UPDATE
       SET password_hash = EXCLUDED.password_hash, role = EXCLUDED.role, ministries = EXCLUDED.ministries,
           status = 'active', updated_at = now()`,
    [id, u.email, u.passwordHash, u.fullName, u.role, u.ministries, u.taxId],
  );
}
