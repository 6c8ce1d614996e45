/** The database port: parameterised queries and transactions, implemented over a `pg` pool in shared/adapters/db. */
import type { QueryResultRow } from 'pg';

/** Anything that runs a parameterised query: the pool or a client inside a transaction. */
export interface Queryable {
  /**
   * `prepared`: a name under which each connection prepares the statement once and then only binds
   * it, sparing PostgreSQL the parse and analysis of a large statement on every call. For the
   * hottest fixed statements only (one name, one text).
   */
  query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    params?: readonly unknown[],
    prepared?: string,
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}

export interface Database extends Queryable {
  /** Runs fn in one transaction: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** A cheap round trip that fails fast when the server is gone. */
  ping(timeoutMs?: number): Promise<void>;
  stats(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

/** The first row a statement returns, through `toRecord`; undefined when it returns none (a lookup by key). */
export async function findOne<R extends QueryResultRow, T>(
  db: Queryable,
  toRecord: (row: R) => T,
  text: string,
  params?: readonly unknown[],
  prepared?: string,
): Promise<T | undefined> {
  const { rows } = await (prepared === undefined ? db.query<R>(text, params) : db.query<R>(text, params, prepared));
  return rows[0] === undefined ? undefined : toRecord(rows[0]);
}

/** A numeric or bigint column, which `pg` hands over as a string, as a number; NULL stays null. */
export const numberOrNull = (value: string | null): number | null => (value === null ? null : Number(value));
