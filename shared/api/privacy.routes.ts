/** Personal data (served by the auth function): the privacy notice, the self-service export and erasure. */
import { z } from 'zod';
import { ROLES } from '../domain/identity/roles';
import { defineRoute } from '../http/route';
import { LangSchema } from './common.schemas';

const Retention = z.object({
  fiscalYears: z.number().int(),
  webhookBodyDays: z.number().int(),
  notificationDays: z.number().int(),
  eventDays: z.number().int(),
  documentDays: z.number().int(),
});

export const getPrivacyNotice = defineRoute({
  operationId: 'getPrivacyNotice',
  method: 'get',
  path: '/api/v1/privacy',
  summary: 'The privacy notice, in es, fr or en, with the retention periods this deployment applies',
  tags: ['privacy'],
  roles: 'public',
  query: z.strictObject({ lang: LangSchema }),
  responses: {
    200: {
      description: 'The notice',
      schema: z
        .object({
          version: z.string(),
          lang: z.enum(['es', 'fr', 'en']),
          title: z.string(),
          sections: z.array(z.object({ heading: z.string(), body: z.string() })),
          retention: Retention,
        })
        .meta({ id: 'PrivacyNotice' }),
    },
  },
});

export const exportMyData = defineRoute({
  operationId: 'exportMyData',
  method: 'get',
  path: '/api/v1/me/data',
  summary: 'Everything TaxasGE holds about the caller, as JSON',
  description:
    'Every row about the caller, by table (account, sessions, reset requests, devices, declarations with history and documents, payments, refunds, receipts, notifications, audit entries), all columns but secrets and hashes (listed in `withheld`). `notIncluded` names the technical tables that may mention the caller and why they are not exported.',
  tags: ['privacy'],
  roles: ROLES,
  responses: {
    200: {
      description: 'The export',
      schema: z
        .object({
          format: z.literal('taxasge-personal-data/1'),
          exportedAt: z.string(),
          userId: z.uuid(),
          tables: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))),
          withheld: z.record(z.string(), z.array(z.string())),
          notIncluded: z.array(z.object({ table: z.string(), reason: z.string() })),
        })
        .meta({ id: 'PersonalDataExport' }),
    },
  },
});

export const eraseMyData = defineRoute({
  operationId: 'eraseMyData',
  method: 'post',
  path: '/api/v1/me/erasure',
  summary: "Erase the caller's account and personal data, except what the law requires to keep",
  description:
    'Needs the account password. Sessions, devices, notifications, idempotency records, email, phone and password go at once, and so do the data and documents of declarations that are not fiscal records. Fiscal records (declarations filed or paid, payments, refunds, receipts) stay for FISCAL_RETENTION_YEARS with the name and NIF they are issued to; the audit log is append-only. The answer lists what was removed and what was kept, why and until when. Staff accounts are closed by an administrator instead.',
  tags: ['privacy'],
  roles: ['citizen', 'business'],
  body: z.strictObject({ password: z.string().min(1, 'expected the account password').max(1024, 'expected at most 1024 characters') }),
  responses: {
    200: {
      description: 'What was erased and what was kept',
      schema: z
        .object({
          userId: z.uuid(),
          erasedAt: z.string(),
          removed: z.record(z.string(), z.number().int()),
          kept: z.array(z.object({ data: z.string(), where: z.array(z.string()), reason: z.string(), until: z.string().nullable() })),
        })
        .meta({ id: 'ErasureResult' }),
    },
  },
  errors: ['unauthenticated', 'account_already_erased'],
});

export const privacyRoutes = [getPrivacyNotice, exportMyData, eraseMyData] as const;
