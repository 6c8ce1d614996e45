/** Walks the whole transition graph: every allowed move works, every other (status, action) is 409. */
import { randomUUID } from 'node:crypto';
import { AppError } from '../shared/errors/app-error';
import { applyTransition } from '../shared/domain/declarations/declaration-transitions';
import { ACTIONS, DECLARATION_KINDS, DECLARATION_STATUSES, TRANSITIONS, findTransition } from '../shared/domain/declarations/declaration-state-machine';
import { findDeclaration } from '../shared/domain/declarations/declarations.repository';
import { randomIds } from '../shared/ports/ids.port';
import { anAccount } from './support/auth-fixtures';
import { createTestApp, type TestApp } from './support/test-app';

let app: TestApp;
let ownerId: string;
beforeAll(async () => {
  app = await createTestApp();
  ownerId = (await anAccount().create(app)).id;
});
afterAll(() => app.close());

/** A declaration placed directly in a status, the transition trigger set aside for the setup only. */
async function declarationIn(kind: (typeof DECLARATION_KINDS)[number], status: string) {
  const id = randomUUID();
  const reviewer = status === 'in_review';
  await app.database.db.transaction(async (tx) => {
    await tx.query('ALTER TABLE declarations DISABLE TRIGGER declarations_transitions');
    await tx.query(
      `INSERT INTO declarations (id, reference, kind, status, owner_id, ministry_code, service_code, fee_type, catalog_version, quote_expires_at,
         tax_type, period, declared_amount, amount, claimed_by, claim_expires_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, 'M-001', $6, $7, $8, $9, $10, $11, $12, 1000, $13, $14, now(), now())`,
      [
        id,
        `TGE-T-${id.slice(0, 8)}`,
        kind,
        status,
        ownerId,
        kind === 'service_fee' ? 'T-001' : null,
        kind === 'service_fee' ? 'expedition' : null,
        kind === 'service_fee' ? 1 : null,
        kind === 'service_fee' ? new Date() : null,
        kind === 'tax_return' ? 'vat' : null,
        kind === 'tax_return' ? '2026-07' : null,
        kind === 'tax_return' ? 1000 : null,
        reviewer ? ownerId : null,
        reviewer ? new Date(Date.now() + 3600_000) : null,
      ],
    );
    await tx.query('ALTER TABLE declarations ENABLE TRIGGER declarations_transitions');
  });
  return (await findDeclaration(app.database.db, id))!;
}

const pairs = DECLARATION_KINDS.flatMap((kind) =>
  DECLARATION_STATUSES.flatMap((status) => ACTIONS.filter((a) => a !== 'create').map((action) => [kind, status, action] as const)),
);

describe('the transition graph', () => {
  it.each(pairs)('%s in %s, %s', async (kind, status, action) => {
    const current = await declarationIn(kind, status);
    const transition = findTransition(kind, status, action);
    const attempt = app.database.db.transaction((tx) =>
      applyTransition(tx, randomIds, new Date(), current, {
        action,
        acting: { actor: transition?.by[0] ?? 'system', userId: null },
        reason: 'because',
        patch:
          transition?.to === 'in_review'
            ? { claimedBy: ownerId, claimExpiresAt: new Date(Date.now() + 3600_000) }
            : current.status === 'in_review'
              ? { claimedBy: null, claimExpiresAt: null }
              : {},
      }),
    );
    if (transition) {
      const { declaration } = await attempt;
      expect(declaration.status).toBe(transition.to);
    } else {
      const error = await attempt.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('transition_not_allowed');
      expect((error as Error).message).toContain(`it is ${status}`);
    }
  });

  it('refuses an actor the transition does not name', async () => {
    const current = await declarationIn('tax_return', 'submitted');
    await expect(
      app.database.db.transaction((tx) =>
        applyTransition(tx, randomIds, new Date(), current, { action: 'claim', acting: { actor: 'owner', userId: ownerId } }),
      ),
    ).rejects.toThrow(/Only agent or supervisor may claim/);
  });
});

describe('the database mirror', () => {
  it('holds exactly the transitions of the state machine', async () => {
    const { rows } = await app.database.db.query<{ kind: string; from_status: string | null; action: string; to_status: string }>(
      'SELECT * FROM declaration_transitions',
    );
    const db = rows.map((r) => `${r.kind} ${r.from_status} -${r.action}-> ${r.to_status}`).sort();
    const code = TRANSITIONS.map((t) => `${t.kind} ${t.from} -${t.action}-> ${t.to}`).sort();
    expect(db).toEqual(code);
  });

  it('refuses a status change the machine does not allow, even in plain SQL', async () => {
    const d = await declarationIn('service_fee', 'awaiting_payment');
    await expect(app.database.db.query("UPDATE declarations SET status = 'completed' WHERE id = $1", [d.id])).rejects.toThrow(
      /cannot go from awaiting_payment to completed/,
    );
    await expect(app.database.db.query("UPDATE declarations SET status = 'paid', queued_at = now() WHERE id = $1", [d.id])).resolves.toBeDefined();
  });
});

describe('docs/DECLARATIONS.md', () => {
  it('shows the state machine as it is in the code', async () => {
    const { readFileSync } = await import('node:fs');
    const { DOC, renderDoc } = await import('../scripts/render-state-machine');
    const current = readFileSync(DOC, 'utf8');
    expect(current).toBe(renderDoc(current));
  });
});
