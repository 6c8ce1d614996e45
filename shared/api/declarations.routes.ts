/** The declarations route group: file service fees and tax returns, follow them, submit, cancel. */
import { z } from 'zod';
import { defineRoute } from '../http/route';
import { DECLARATION_KINDS, DECLARATION_STATUSES } from '../domain/declarations/declaration-state-machine';
import { TAX_TYPES } from '../domain/declarations/tax-types';
import { CursorSchema, LimitSchema } from './common.schemas';
import { DOCUMENT_FLAGS } from '../domain/documents/document-processing.types';

const Id = z.strictObject({ id: z.uuid({ message: 'expected a declaration id (UUID)' }) });
// A tax return is filed to be paid: 0 XAF is refused here (nothing could pay it; a payment is at least 1 XAF).
const Xaf = z
  .number({ error: 'expected a whole number of XAF' })
  .int('expected a whole number of XAF (no decimals)')
  .min(1, 'expected 1 XAF or more')
  .max(1_000_000_000_000);
function sizeOf(value: unknown): number {
  try {
    return JSON.stringify(value).length;
  } catch {
    // Nested too deep to serialise (stack overflow): certainly too much.
    return Infinity;
  }
}
const Data = z
  .record(z.string(), z.unknown())
  .refine((d) => sizeOf(d) <= 20_000, 'expected at most 20 000 characters of data, nested reasonably')
  .optional();
const taxTypes = Object.keys(TAX_TYPES) as [keyof typeof TAX_TYPES, ...(keyof typeof TAX_TYPES)[]];

export const HistorySchema = z.object({
  from: z.enum(DECLARATION_STATUSES).nullable(),
  to: z.enum(DECLARATION_STATUSES),
  action: z.string(),
  at: z.string(),
  by: z.string().nullable(),
  byRole: z.string(),
  reason: z.string().nullable(),
  /** A reviewer's note on an approval or rejection. */
  comment: z.string().nullable(),
});

export const DeclarationSchema = z
  .object({
    id: z.uuid(),
    reference: z.string().meta({ example: 'TGE-2026-0000427' }),
    kind: z.enum(DECLARATION_KINDS),
    status: z.enum(DECLARATION_STATUSES),
    ministry: z.string(),
    amount: z.number().int().meta({ description: 'Amount due, integer XAF.' }),
    currency: z.literal('XAF'),
    quote: z
      .object({ serviceCode: z.string(), feeType: z.enum(['expedition', 'renewal']), catalogVersion: z.number().int(), expiresAt: z.string() })
      .nullable(),
    taxReturn: z
      .object({
        taxType: z.string(),
        period: z.string(),
        declaredAmount: z.number().int(),
        validatedAmount: z.number().int().nullable(),
        deadline: z.string().nullable(),
      })
      .nullable(),
    data: z.record(z.string(), z.unknown()),
    claim: z.object({ by: z.string(), expiresAt: z.string() }).nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    history: z.array(HistorySchema).optional(),
  })
  .meta({ id: 'Declaration' });

export const createDeclaration = defineRoute({
  operationId: 'createDeclaration',
  method: 'post',
  path: '/api/v1/declarations',
  summary: 'File a service fee (quoted from the catalog) or a tax return',
  tags: ['declarations'],
  roles: ['citizen', 'business'],
  idempotency: 'optional',
  body: z.discriminatedUnion(
    'kind',
    [
      z.strictObject({
        kind: z.literal('service_fee'),
        serviceCode: z
          .string()
          .trim()
          .toUpperCase()
          .regex(/^T-\d{3,}$/, 'expected a service code like T-001'),
        feeType: z.enum(['expedition', 'renewal'], { error: 'expected expedition or renewal' }),
        data: Data,
      }),
      z.strictObject({
        kind: z.literal('tax_return'),
        taxType: z.enum(taxTypes, { error: `expected one of ${taxTypes.join(', ')}` }),
        period: z
          .string()
          .trim()
          .regex(/^(19|20)\d{2}(-(0[1-9]|1[0-2])|-Q[1-4])?$/, 'expected a period like 2025, 2026-Q2 or 2026-07'),
        declaredAmount: Xaf,
        data: Data,
      }),
    ],
    { error: 'expected kind service_fee (with serviceCode, feeType) or tax_return (with taxType, period, declaredAmount)' },
  ),
  responses: { 201: { description: 'The declaration with its quote', schema: DeclarationSchema } },
  errors: ['service_not_payable_online'],
});

export const listDeclarations = defineRoute({
  operationId: 'listDeclarations',
  method: 'get',
  path: '/api/v1/declarations',
  summary: "Your declarations (agents and supervisors: their ministries'), newest first",
  tags: ['declarations'],
  roles: ['citizen', 'business', 'agent', 'supervisor', 'finance', 'admin'],
  query: z.strictObject({
    status: z.enum(DECLARATION_STATUSES, { error: `expected one of ${DECLARATION_STATUSES.join(', ')}` }).optional(),
    kind: z.enum(DECLARATION_KINDS, { error: 'expected service_fee or tax_return' }).optional(),
    limit: LimitSchema,
    cursor: CursorSchema,
  }),
  responses: {
    200: {
      description: 'A page',
      schema: z.object({ items: z.array(DeclarationSchema), nextCursor: z.string().nullable(), total: z.number().int() }).meta({ id: 'DeclarationPage' }),
    },
  },
});

export const getDeclaration = defineRoute({
  operationId: 'getDeclaration',
  method: 'get',
  path: '/api/v1/declarations/{id}',
  summary: 'One declaration with its history',
  tags: ['declarations'],
  roles: ['citizen', 'business', 'agent', 'supervisor', 'finance', 'admin'],
  params: Id,
  responses: { 200: { description: 'The declaration', schema: DeclarationSchema } },
  errors: ['not_found'],
});

const ownerAction = (action: 'submit' | 'cancel', summary: string) =>
  defineRoute({
    operationId: `${action}Declaration`,
    method: 'post',
    path: `/api/v1/declarations/{id}/${action}`,
    summary,
    tags: ['declarations'],
    roles: ['citizen', 'business'],
    params: Id,
    body: z.strictObject({ reason: z.string().trim().max(1000).optional() }).optional(),
    responses: { 200: { description: 'The declaration after the change', schema: DeclarationSchema } },
    errors: ['not_found', 'transition_not_allowed'],
  });

export const submitDeclaration = ownerAction('submit', 'Submit a draft tax return, or resubmit after documents were requested');
export const cancelDeclaration = ownerAction('cancel', 'Cancel a declaration that is not yet in review or paid');

const DocumentProcessingSchema = z
  .object({
    outcome: z
      .enum(['read', 'flagged'])
      .meta({ description: 'flagged: a check failed or OCR read poorly; the agent decides, nothing is rejected automatically.' }),
    flags: z.array(z.enum(DOCUMENT_FLAGS)),
    detectedType: z.string().nullable().meta({ description: "The type read from the file's magic bytes." }),
    pageCount: z.number().int().nullable(),
    provider: z.enum(['vision', 'tesseract']).nullable(),
    text: z.string().nullable().meta({ description: 'The text OCR read (at most 100,000 characters).' }),
    quality: z.number().min(0).max(1).nullable().meta({ description: "The OCR engine's confidence, 0..1." }),
    language: z.string().nullable(),
    durationMs: z.number().int(),
    hints: z
      .object({ taxIdFound: z.boolean().nullable(), nameFound: z.boolean().nullable() })
      .meta({ description: "Whether the owner's tax id and name appear in the text; null when there was nothing to look for." }),
    detail: z.string().nullable(),
    processedAt: z.string(),
  })
  .meta({ id: 'DocumentProcessing' });

const DocumentSchema = z
  .object({
    id: z.uuid(),
    filename: z
      .string()
      .meta({ description: 'The name the uploader gave the file, shown as data; it downloads as `<reference>-<n>.<extension of its real type>`.' }),
    contentType: z.string(),
    size: z.number().int(),
    uploaded: z.boolean().meta({ description: 'False until the bytes have arrived at the upload URL.' }),
    downloadUrl: z.string().nullable().meta({
      description:
        'Short-lived (5 min) signed URL once uploaded; the file downloads as `<reference>-<n>.<ext>`, the extension of the type read from its bytes (the declared one until processed; `bin` for no allowed type).',
    }),
    createdAt: z.string(),
    processing: DocumentProcessingSchema.nullable().meta({
      description: 'What the document pipeline found, once the upload was checked and read (null before).',
    }),
  })
  .meta({ id: 'Document' });

export const requestDocumentUpload = defineRoute({
  operationId: 'requestDocumentUpload',
  method: 'post',
  path: '/api/v1/declarations/{id}/documents',
  summary: 'Get a signed URL to upload one document (PDF, JPEG or PNG, at most 10 MB)',
  description:
    'PUT the file to `upload.url` with exactly `upload.headers` and exactly `size` bytes, within 15 minutes. The URL uploads once: a second PUT is refused (412 `already_uploaded`), so a document cannot be replaced; ask for another URL to add another document.',
  tags: ['declarations'],
  roles: ['citizen', 'business'],
  idempotency: 'optional',
  params: Id,
  body: z.strictObject({
    filename: z
      .string()
      .trim()
      .min(1, 'expected a file name')
      .max(200, 'expected at most 200 characters')
      .refine((n) => ![...n].some((c) => c === '/' || c === '\\' || c.charCodeAt(0) < 32), 'expected a file name without slashes or control characters'),
    contentType: z.enum(['application/pdf', 'image/jpeg', 'image/png'], { error: 'expected application/pdf, image/jpeg or image/png' }),
    size: z
      .number({ error: 'expected the size in bytes' })
      .int('expected a whole number of bytes')
      .min(1, 'expected at least 1 byte')
      .max(10 * 1024 * 1024, 'expected at most 10485760 bytes (10 MB)'),
  }),
  responses: {
    201: {
      description: 'The document record and where to upload it',
      schema: z
        .object({
          document: DocumentSchema,
          upload: z.object({ url: z.string(), method: z.literal('PUT'), headers: z.record(z.string(), z.string()), expiresAt: z.string() }),
        })
        .meta({ id: 'DocumentUpload' }),
    },
  },
  errors: ['not_found', 'declaration_closed'],
});

export const listDocuments = defineRoute({
  operationId: 'listDocuments',
  method: 'get',
  path: '/api/v1/declarations/{id}/documents',
  summary: "A declaration's documents (owner and the ministry's reviewers)",
  tags: ['declarations'],
  roles: ['citizen', 'business', 'agent', 'supervisor'],
  params: Id,
  responses: { 200: { description: 'Documents', schema: z.object({ items: z.array(DocumentSchema) }).meta({ id: 'DocumentList' }) } },
  errors: ['not_found'],
});

export const declarationRoutes = [
  createDeclaration,
  listDeclarations,
  getDeclaration,
  submitDeclaration,
  cancelDeclaration,
  requestDocumentUpload,
  listDocuments,
] as const;
