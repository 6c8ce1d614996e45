/**
 * Builders for payments in tests, made through the public API as a payer makes them:
 * `aPayment().forService('T-004').withMethod('bange_wallet').create(app, owner)`; `settle(app)` waits
 * until what a payment set moving (the sandbox's webhooks, the event bus) is quiet.
 */
import type { Response } from 'supertest';
import request from 'supertest';
import { getEventBus } from '../../shared/runtime/events';
import type { CreatedAccount } from './auth-fixtures';
import type { TestApp } from './test-app';

export interface CreatedPayment {
  /** The API's answer to the declaration's creation (`{ id }` only when the declaration was given). */
  declaration: Response['body'];
  /** The API's answer to the payment's creation: id, reference, amount, status, checkoutUrl… */
  payment: Response['body'];
  /** The sandbox's payment id: its checkout page's last segment, and `transactionId` in its webhooks. */
  bangeId: string;
}

let keys = 0;

export function aPayment() {
  const state = { serviceCode: 'T-001', method: 'bange_card' as 'bange_card' | 'bange_wallet', declarationId: undefined as string | undefined };
  const builder = {
    /** A service-fee declaration of this service (T-001 by default). */
    forService(serviceCode: string) {
      state.serviceCode = serviceCode;
      return builder;
    },
    withMethod(method: typeof state.method) {
      state.method = method;
      return builder;
    },
    /** A payment of a declaration that exists already, instead of a new one. */
    forDeclaration(declarationId: string) {
      state.declarationId = declarationId;
      return builder;
    },
    /** The declaration (unless given) and its pending payment, answered 201 each. */
    async create(app: TestApp, owner: CreatedAccount): Promise<CreatedPayment> {
      const auth = { Authorization: `Bearer ${owner.accessToken}` };
      const declaration = state.declarationId
        ? { id: state.declarationId }
        : (
            await request(app.server)
              .post('/api/v1/declarations')
              .set(auth)
              .send({ kind: 'service_fee', serviceCode: state.serviceCode, feeType: 'expedition' })
              .expect(201)
          ).body;
      const { body: payment } = await request(app.server)
        .post('/api/v1/payments')
        .set(auth)
        .set('Idempotency-Key', `fixture-${process.pid}-${++keys}`)
        .send({ declarationId: declaration.id, method: state.method })
        .expect(201);
      return { declaration, payment, bangeId: new URL(payment.checkoutUrl).pathname.split('/').pop()! };
    },
  };
  return builder;
}

/** `count` pending payments of T-001, one after the other. */
export async function pendingPayments(app: TestApp, owner: CreatedAccount, count: number): Promise<CreatedPayment[]> {
  const out: CreatedPayment[] = [];
  for (let i = 0; i < count; i++) out.push(await aPayment().create(app, owner));
  return out;
}

/** Waits for the sandbox's deliveries and the bus, until both are quiet (deliveries start more deliveries). */
export async function settle(app: TestApp): Promise<void> {
  for (let i = 0; i < 4; i++) {
    await app.sandbox?.settle();
    await getEventBus().drain();
  }
}
