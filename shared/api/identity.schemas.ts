/** Schemas of accounts and tokens, shared by the auth and admin route groups. */
import { z } from 'zod';
import { ROLES } from '../domain/identity/roles';
import { LANGUAGES } from '../ports/language';

export const EmailSchema = z
  .string()
  .trim()
  .max(254, 'expected at most 254 characters')
  .pipe(z.email({ message: 'expected an email address like name@example.gq' }));

export const UserSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    fullName: z.string(),
    phone: z.string().nullable(),
    role: z.enum(ROLES),
    ministries: z.array(z.string()),
    taxId: z.string().nullable(),
    locale: z.enum(LANGUAGES),
    status: z.enum(['active', 'suspended']),
    createdAt: z.string(),
  })
  .meta({ id: 'User' });

export const TokenPairSchema = z
  .object({
    accessToken: z.string().meta({ description: 'EdDSA JWT, valid for expiresIn seconds.' }),
    refreshToken: z.string().meta({ description: 'Opaque; single use: each refresh returns a new one.' }),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int(),
  })
  .meta({ id: 'TokenPair' });

export function toUserBody(u: { createdAt: Date } & Omit<z.input<typeof UserSchema>, 'createdAt'>): z.input<typeof UserSchema> {
  return { ...u, createdAt: u.createdAt.toISOString() };
}
