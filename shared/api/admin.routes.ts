/** The admin route group: users and roles, the audit log, the catalog's open data-quality flags. */
import { z } from 'zod';
import { ROLES } from '../domain/identity/roles';
import { defineRoute } from '../http/route';
import { CursorSchema, LimitSchema, MinistryCodeSchema, pageSchema } from './common.schemas';
import { UserSchema } from './identity.schemas';
import { ServiceSummarySchema } from './catalog.routes';

export const listUsers = defineRoute({
  operationId: 'listUsers',
  method: 'get',
  path: '/api/v1/admin/users',
  summary: 'List accounts, by email',
  tags: ['admin'],
  roles: ['admin'],
  query: z.strictObject({
    role: z.enum(ROLES, { error: `expected one of ${ROLES.join(', ')}` }).optional(),
    status: z.enum(['active', 'suspended'], { error: 'expected active or suspended' }).optional(),
    limit: LimitSchema,
    cursor: CursorSchema,
  }),
  responses: { 200: { description: 'A page of accounts', schema: pageSchema(UserSchema, 'UserPage') } },
});

export const updateUser = defineRoute({
  operationId: 'updateUser',
  method: 'patch',
  path: '/api/v1/admin/users/{id}',
  summary: "Change an account's role, ministries or status",
  description: 'Suspending ends every session at once. Ministries apply to agents and supervisors only.',
  tags: ['admin'],
  roles: ['admin'],
  params: z.strictObject({ id: z.uuid({ message: 'expected a user id (UUID)' }) }),
  body: z
    .strictObject({
      role: z.enum(ROLES, { error: `expected one of ${ROLES.join(', ')}` }).optional(),
      ministries: z.array(MinistryCodeSchema).max(50).optional(),
      status: z.enum(['active', 'suspended'], { error: 'expected active or suspended' }).optional(),
    })
    .refine((b) => b.role !== undefined || b.ministries !== undefined || b.status !== undefined, 'expected at least one of role, ministries, status'),
  responses: { 200: { description: 'The account after the change', schema: UserSchema } },
  errors: ['not_found', 'last_active_admin', 'admin_self_change'],
});

export const AuditEntrySchema = z
  .object({
    id: z.number().int(),
    at: z.string(),
    actorId: z.string().nullable(),
    actorEmail: z.string().nullable(),
    action: z.string(),
    target: z.string().nullable(),
    ip: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEntry' });

export const listAuditLog = defineRoute({
  operationId: 'listAuditLog',
  method: 'get',
  path: '/api/v1/admin/audit-log',
  summary: 'The audit log, newest first',
  tags: ['admin'],
  roles: ['admin'],
  query: z.strictObject({
    action: z.string().trim().max(100).optional(),
    limit: LimitSchema,
    // The audit log pages by row id: any other cursor is refused, never silently read as the first page.
    cursor: CursorSchema.refine(
      (id) => id === undefined || /^[1-9]\d{0,15}$/.test(id),
      'not a cursor of the audit log; pass back the nextCursor of the previous page unchanged',
    ),
  }),
  responses: {
    200: {
      description: 'A page of entries',
      schema: z.object({ items: z.array(AuditEntrySchema), nextCursor: z.string().nullable() }).meta({ id: 'AuditPage' }),
    },
  },
});

export const listFlaggedServices = defineRoute({
  operationId: 'listFlaggedServices',
  method: 'get',
  path: '/api/v1/admin/fiscal-services/flagged',
  summary: 'Services whose data-quality flags are still open',
  tags: ['admin', 'fiscal-services'],
  roles: ['admin'],
  query: z.strictObject({ limit: LimitSchema, cursor: CursorSchema }),
  responses: { 200: { description: 'A page of flagged services', schema: pageSchema(ServiceSummarySchema, 'FlaggedServicePage') } },
});

const MinistryParams = z.strictObject({
  code: MinistryCodeSchema,
});

export const AutoApprovalSchema = z
  .object({
    ministry: z.string(),
    threshold: z.number().int().nonnegative().describe('Integer XAF: a paid service fee at or below it is approved at once; 0 = never'),
    currency: z.literal('XAF'),
  })
  .meta({ id: 'AutoApproval' });

export const getAutoApproval = defineRoute({
  operationId: 'getAutoApprovalThreshold',
  method: 'get',
  path: '/api/v1/admin/ministries/{code}/auto-approval',
  summary: "A ministry's auto-approval threshold",
  tags: ['admin'],
  roles: ['admin'],
  params: MinistryParams,
  responses: { 200: { description: 'The threshold', schema: AutoApprovalSchema } },
  errors: ['not_found'],
});

export const setAutoApproval = defineRoute({
  operationId: 'setAutoApprovalThreshold',
  method: 'put',
  path: '/api/v1/admin/ministries/{code}/auto-approval',
  summary: "Set a ministry's auto-approval threshold (audited)",
  description:
    'Service fees paid from now on at or below the threshold are approved at once; 0 sends every fee to review. The audit log keeps the value before and after.',
  tags: ['admin'],
  roles: ['admin'],
  params: MinistryParams,
  body: z.strictObject({ threshold: z.number().int('expected a whole number of XAF').min(0, 'expected 0 XAF or more').max(1_000_000_000_000) }),
  responses: { 200: { description: 'The threshold now in force', schema: AutoApprovalSchema } },
  errors: ['not_found'],
});

export const adminRoutes = [listUsers, updateUser, listAuditLog, listFlaggedServices, getAutoApproval, setAutoApproval] as const;
