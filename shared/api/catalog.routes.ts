/** The fiscal-services route group: the catalog of services, their fees and the ministries tree. */
import { z } from 'zod';
import { defineRoute } from '../http/route';
import { CursorSchema, LangSchema, LimitSchema, pageSchema } from './common.schemas';

const code = (prefix: string, what: string) =>
  z
    .string()
    .trim()
    .toUpperCase()
    .regex(new RegExp(`^${prefix}-\\d{3,}$`), `expected a ${what} code like ${prefix}-001`);

const NamedRef = z.object({ code: z.string(), name: z.string() });
const Xaf = z.number().int().positive().nullable().meta({ description: 'Integer XAF (no minor unit); null when no usable fee is known.' });

export const ServiceSummarySchema = z
  .object({
    code: z.string().meta({ example: 'T-001' }),
    name: z.string(),
    ministry: NamedRef,
    sector: NamedRef,
    category: NamedRef,
    expeditionAmount: Xaf,
    renewalAmount: Xaf,
    currency: z.literal('XAF'),
    payableOnline: z.boolean().meta({ description: 'False while the fee is missing, suspect or not a whole number of XAF.' }),
    requiredDocuments: z.array(z.string()),
    flags: z.array(z.string()).meta({ description: 'Open data-quality flags (see docs/CATALOG.md).' }),
  })
  .meta({ id: 'FiscalServiceSummary' });

const Names = z.object({ es: z.string(), fr: z.string(), en: z.string() });

export const ServiceDetailSchema = ServiceSummarySchema.extend({
  names: Names,
  requiredDocumentsByLanguage: z.object({ es: z.array(z.string()), fr: z.array(z.string()), en: z.array(z.string()) }),
  source: z.object({ expeditionAmount: z.string(), renewalAmount: z.string() }).meta({ description: 'Fees exactly as in the source catalog.' }),
  sameNameInCategory: z.array(z.string()),
  exactDuplicateOf: z.array(z.string()),
  active: z.boolean(),
  catalogVersion: z.number().int(),
}).meta({ id: 'FiscalService' });

const TreeCounts = { services: z.number().int(), payableOnline: z.number().int() };
const CategoryNode = z.object({ ...NamedRef.shape, ...TreeCounts });
const SectorNode = z.object({ ...NamedRef.shape, ...TreeCounts, categories: z.array(CategoryNode) });
export const MinistryTreeSchema = z
  .object({
    catalogVersion: z.number().int(),
    ministries: z.array(z.object({ ...NamedRef.shape, ...TreeCounts, sectors: z.array(SectorNode) })),
  })
  .meta({ id: 'MinistryTree' });

export const listFiscalServices = defineRoute({
  operationId: 'listFiscalServices',
  method: 'get',
  path: '/api/v1/fiscal-services',
  summary: 'Search and list fiscal services',
  description: '`q` matches names in Spanish, French and English, ignoring case and accents (every word must match), or an exact code.',
  tags: ['fiscal-services'],
  roles: 'public',
  query: z.strictObject({
    q: z.string().trim().max(100, 'expected at most 100 characters').optional().meta({ description: 'Words to find in any language.' }),
    ministry: code('M', 'ministry').optional(),
    sector: code('S', 'sector').optional(),
    category: code('C', 'category').optional(),
    lang: LangSchema,
    limit: LimitSchema,
    cursor: CursorSchema,
  }),
  responses: { 200: { description: 'A page of services', schema: pageSchema(ServiceSummarySchema, 'FiscalServicePage') } },
});

export const getFiscalService = defineRoute({
  operationId: 'getFiscalService',
  method: 'get',
  path: '/api/v1/fiscal-services/{code}',
  summary: 'One fiscal service by code, with its names in every language',
  tags: ['fiscal-services'],
  roles: 'public',
  params: z.strictObject({ code: code('T', 'service') }),
  query: z.strictObject({ lang: LangSchema }),
  responses: { 200: { description: 'The service', schema: ServiceDetailSchema } },
  errors: ['not_found'],
});

export const listMinistries = defineRoute({
  operationId: 'listMinistries',
  method: 'get',
  path: '/api/v1/ministries',
  summary: 'The ministries > sectors > categories tree with service counts',
  tags: ['fiscal-services'],
  roles: 'public',
  query: z.strictObject({ lang: LangSchema }),
  responses: { 200: { description: 'The tree', schema: MinistryTreeSchema } },
});

const NewFee = z
  .number({ error: 'expected a whole number of XAF, or null' })
  .int('expected a whole number of XAF (no decimals)')
  .positive('expected more than 0 XAF')
  .max(1_000_000_000_000)
  .nullable();

export const correctFiscalService = defineRoute({
  operationId: 'correctFiscalService',
  method: 'patch',
  path: '/api/v1/fiscal-services/{code}',
  summary: 'Correct a service (fees, names, active, reviewed flags): creates a new catalog version',
  tags: ['fiscal-services', 'admin'],
  roles: ['admin'],
  params: z.strictObject({ code: code('T', 'service') }),
  body: z
    .strictObject({
      expeditionAmount: NewFee.optional(),
      renewalAmount: NewFee.optional(),
      names: z
        .strictObject({
          es: z.string().trim().min(1).max(300).optional(),
          fr: z.string().trim().min(1).max(300).optional(),
          en: z.string().trim().min(1).max(300).optional(),
        })
        .optional(),
      active: z.boolean().optional(),
      clearFlags: z.array(z.string().max(60)).max(20).optional().meta({ description: 'Flags reviewed and closed by this correction.' }),
      note: z.string().trim().max(500).optional().meta({ description: 'Why; kept with the catalog version and in the audit log.' }),
    })
    .refine((b) => Object.keys(b).some((k) => k !== 'note'), 'expected at least one change'),
  responses: { 200: { description: 'The service as corrected', schema: ServiceDetailSchema } },
  errors: ['not_found'],
});

export const catalogRoutes = [listFiscalServices, getFiscalService, listMinistries, correctFiscalService] as const;
