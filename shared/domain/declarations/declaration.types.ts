/** Declarations as the domain sees them. */
import type { DeclarationKind, DeclarationStatus } from './declaration-state-machine';

export interface Declaration {
  id: string;
  reference: string;
  kind: DeclarationKind;
  status: DeclarationStatus;
  ownerId: string;
  ministry: string;
  serviceCode: string | null;
  feeType: 'expedition' | 'renewal' | null;
  catalogVersion: number | null;
  quoteExpiresAt: Date | null;
  taxType: string | null;
  period: string | null;
  declaredAmount: number | null;
  validatedAmount: number | null;
  amount: number;
  currency: 'XAF';
  data: Record<string, unknown>;
  deadline: string | null;
  queuedAt: Date | null;
  claimedBy: string | null;
  claimExpiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface HistoryEntry {
  from: DeclarationStatus | null;
  to: DeclarationStatus;
  action: string;
  at: Date;
  by: string | null;
  byRole: string;
  reason: string | null;
  /** A reviewer's note on a decision (approve, reject), null otherwise. */
  comment: string | null;
}

export interface DeclarationDocument {
  id: string;
  declarationId: string;
  filename: string;
  contentType: string;
  sizeBytes: number;
  objectName: string;
  uploadedBy: string;
  createdAt: Date;
}
