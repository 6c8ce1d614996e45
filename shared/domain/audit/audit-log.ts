/**
 * The append-only audit log of privileged and security events. Each row stores SHA-256 over the
 * previous row's hash and its own content, so an edited, inserted or deleted row breaks the chain.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../../ports/database.port';
import type { Clock } from '../../ports/clock.port';
import { canonicalJson } from '../canonical-json';
import { findAuditRows, findAuditRowsFrom, insertAuditEntry, lockAndFindLastEntry, type AuditEntry, type AuditRow } from './audit-log.repository';

export interface AuditEvent {
  action: string;
  actorId?: string | null;
  actorEmail?: string | null;
  target?: string | null;
  ip?: string | null;
  details?: Record<string, unknown>;
}

const GENESIS: Buffer = Buffer.alloc(32);

function entryOf(r: AuditRow): AuditEntry {
  return {
    id: Number(r.id),
    at: r.at.toISOString(),
    actorId: r.actor_id,
    actorEmail: r.actor_email,
    action: r.action,
    target: r.target,
    ip: r.ip,
    details: r.details,
  };
}

function hashOf(prev: Buffer, entry: AuditEntry): Buffer {
  return createHash('sha256').update(prev).update(canonicalJson(entry)).digest();
}

export function createAuditLog(deps: { clock: Clock }) {
  return {
    /** Appends within the caller's transaction when given one, so the event commits with the change it records. */
    async record(tx: Queryable, event: AuditEvent): Promise<void> {
      const last = await lockAndFindLastEntry(tx);
      const prev = last?.hash ?? GENESIS;
      // Millisecond precision, as PostgreSQL stores microseconds and the hash must survive the round trip.
      const entry: AuditEntry = {
        id: (last?.id ?? 0) + 1,
        at: new Date(deps.clock.now().getTime()).toISOString(),
        actorId: event.actorId ?? null,
        actorEmail: event.actorEmail ?? null,
        action: event.action,
        target: event.target ?? null,
        ip: event.ip ?? null,
        details: event.details ?? {},
      };
      await insertAuditEntry(tx, entry, prev, hashOf(prev, entry));
    },

    async list(db: Queryable, page: { beforeId?: number; limit: number; action?: string }): Promise<AuditEntry[]> {
      return (await findAuditRows(db, page)).map(entryOf);
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;

export interface ChainReport {
  ok: boolean;
  rows: number;
  /** The first row whose stored hashes do not match its content or its predecessor. */
  brokenAt?: { id: number; reason: string };
}

/** Walks the whole chain in id order, in batches, recomputing every hash. */
export async function verifyAuditChain(db: Queryable, batchSize = 5000): Promise<ChainReport> {
  let prev: Buffer = GENESIS;
  let expectedId = 1;
  let count = 0;
  for (;;) {
    const rows = await findAuditRowsFrom(db, expectedId, batchSize);
    for (const row of rows) {
      const entry = entryOf(row);
      if (entry.id !== expectedId) return { ok: false, rows: count, brokenAt: { id: expectedId, reason: `row ${expectedId} is missing` } };
      if (!row.prev_hash.equals(prev)) return { ok: false, rows: count, brokenAt: { id: entry.id, reason: 'prev_hash does not match the previous row' } };
      if (!row.hash.equals(hashOf(prev, entry)))
        return { ok: false, rows: count, brokenAt: { id: entry.id, reason: 'content does not match its hash (row altered)' } };
      prev = row.hash;
      expectedId++;
      count++;
    }
    if (rows.length < batchSize) return { ok: true, rows: count };
  }
}
