/** The `pg` pool adapter of the database port (shared/ports/database.port.ts): parameterised queries, transactions, a health probe. */
import { Pool, type PoolClient } from 'pg';
import type { Logger } from '../../ports/logger.port';
import type { Database, Queryable } from '../../ports/database.port';

export interface DatabaseOptions {
  connectionString: string;
  max: number;
  statementTimeoutMs: number;
  connectionTimeoutMs?: number;
  applicationName?: string;
  logger?: Logger;
}

export function createDatabase(options: DatabaseOptions): Database {
  const pool = new Pool({
    connectionString: options.connectionString,
    max: options.max,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 3000,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs,
    // Client-side deadline too: a query whose connection died without a word must still give its client back.
    query_timeout: options.statementTimeoutMs + 2000,
    application_name: options.applicationName ?? 'taxasge',
  });
  // An idle client losing its server emits 'error' on the pool; unhandled, it would crash the process.
  pool.on('error', (err) => options.logger?.warning('idle database connection lost', { err }));
  // A connection killed mid-request can emit 'error' more than once; any emission without a listener
  // would reach the functions framework's per-request domain and crash that request with a 500. The
  // pool already drops such clients (they are no longer queryable); this only keeps the error handled.
  pool.on('connect', (client) => client.on('error', (err) => options.logger?.debug('database connection error', { err })));

  const query: Queryable['query'] = async (text, params, prepared) => {
    const values = params as unknown[] | undefined;
    const result = prepared ? await pool.query({ name: prepared, text, ...(values ? { values } : {}) }) : await pool.query(text, values);
    return { rows: result.rows, rowCount: result.rowCount };
  };

  return {
    query,
    async transaction(fn) {
      const client: PoolClient = await pool.connect();
      let broken: Error | undefined;
      // A checked-out client whose server goes away emits 'error'; unhandled, it would crash the process.
      const onError = (err: Error) => {
        broken = err;
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const tx: Queryable = {
          query: async (text, params, prepared) => {
            const values = params as unknown[] | undefined;
            const r = prepared ? await client.query({ name: prepared, text, ...(values ? { values } : {}) }) : await client.query(text, values);
            return { rows: r.rows, rowCount: r.rowCount };
          },
        };
        const value = await fn(tx);
        await client.query('COMMIT');
        return value;
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackErr: Error) => {
          broken = rollbackErr;
        });
        throw err;
      } finally {
        client.off('error', onError);
        // A client that failed (or whose rollback failed) may be mid-transaction: destroy it rather than reuse it.
        client.release(broken);
      }
    },
    async ping(timeoutMs = 2000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`database did not answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([pool.query('SELECT 1'), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    stats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => pool.end(),
  };
}

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53300']);

/** True when an error means the database cannot be reached now (a retry may succeed), not a bug. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  if (!e) return false;
  if (e.code && (UNAVAILABLE_CODES.has(e.code) || e.code.startsWith('08'))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(e.message ?? '');
}

/** True for SQLSTATE class 22 (data exception): the input was unstorable, not the server broken. */
export function isDataException(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code);
}
