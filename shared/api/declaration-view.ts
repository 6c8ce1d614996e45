/** Maps a domain declaration to its API shape. */
import type { z } from 'zod';
import type { Declaration, HistoryEntry } from '../domain/declarations/declaration.types';
import type { DeclarationSchema } from './declarations.routes';

export function toDeclarationBody(d: Declaration, history?: HistoryEntry[]): z.input<typeof DeclarationSchema> {
  return {
    id: d.id,
    reference: d.reference,
    kind: d.kind,
    status: d.status,
    ministry: d.ministry,
    amount: d.amount,
    currency: 'XAF',
    quote:
      d.kind === 'service_fee'
        ? { serviceCode: d.serviceCode!, feeType: d.feeType!, catalogVersion: d.catalogVersion!, expiresAt: d.quoteExpiresAt!.toISOString() }
        : null,
    taxReturn:
      d.kind === 'tax_return'
        ? { taxType: d.taxType!, period: d.period!, declaredAmount: d.declaredAmount!, validatedAmount: d.validatedAmount, deadline: d.deadline }
        : null,
    data: d.data,
    claim: d.claimedBy && d.claimExpiresAt ? { by: d.claimedBy, expiresAt: d.claimExpiresAt.toISOString() } : null,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
    ...(history ? { history: history.map((h) => ({ ...h, at: h.at.toISOString() })) } : {}),
  };
}
