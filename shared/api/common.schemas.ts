/** Schemas every route group shares: problems, language, pagination, ministry codes. */
import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../errors/app-error';
import { LANGUAGES } from '../ports/language';

export const ProblemSchema = z
  .object({
    type: z.string().meta({ description: 'URI naming the problem type; stable per code.' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().meta({ description: 'What went wrong and what was expected, for a human.' }),
    code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]).meta({ description: 'Stable machine-readable code.' }),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details.' });

export const LangSchema = z
  .enum(LANGUAGES, { error: 'expected one of es, fr, en' })
  .default('es')
  .meta({ description: 'Language of names and documents: es (default), fr or en.' });

/** A ministry's code, as the catalog numbers them: `M-001` (trimmed, upper-cased). */
export const MinistryCodeSchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^M-\d{3}$/, 'expected a ministry code like M-001');

export const LimitSchema = z
  .string()
  .default('20')
  .pipe(
    z
      .string()
      .regex(/^\d{1,3}$/, 'expected a whole number from 1 to 100')
      .transform(Number)
      .pipe(z.number().min(1, 'expected a whole number from 1 to 100').max(100, 'expected a whole number from 1 to 100')),
  )
  .meta({ description: 'Page size, 1 to 100 (default 20).', param: { schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } } });

const CURSOR_PREFIX = 'after:';

/** Cursors are opaque to clients: base64url of the last key of the previous page. */
export function encodeCursor(lastKey: string): string {
  return Buffer.from(CURSOR_PREFIX + lastKey, 'utf8').toString('base64url');
}

export const CursorSchema = z
  .string()
  .max(200, 'cursor is too long; pass back the nextCursor of the previous page unchanged')
  .transform((value, ctx) => {
    const decoded = /^[A-Za-z0-9_-]+$/.test(value) ? Buffer.from(value, 'base64url').toString('utf8') : '';
    if (!decoded.startsWith(CURSOR_PREFIX) || decoded.length === CURSOR_PREFIX.length) {
      ctx.addIssue({ code: 'custom', message: 'not a cursor this API issued; pass back the nextCursor of the previous page unchanged' });
      return z.NEVER;
    }
    return decoded.slice(CURSOR_PREFIX.length);
  })
  .optional()
  .meta({ description: 'Opaque cursor: the nextCursor of the previous page.' });

export function pageSchema<T extends z.ZodType>(item: T, id: string) {
  return z
    .object({
      items: z.array(item),
      nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
      total: z.number().int().meta({ description: 'Number of items matching the filters, over all pages.' }),
    })
    .meta({ id });
}
