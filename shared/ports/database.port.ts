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
