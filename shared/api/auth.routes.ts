/** The auth route group: accounts, sessions, password reset, and the public signing keys. */
import { z } from 'zod';
import { LANGUAGES } from '../ports/language';
import { ROLES } from '../domain/identity/roles';
import { defineRoute } from '../http/route';
import { EmailSchema, TokenPairSchema, UserSchema } from './identity.schemas';

const Password = z.string().min(1, 'expected a password').max(1024, 'expected at most 1024 characters');

export const register = defineRoute({
  operationId: 'register',
  method: 'post',
  path: '/api/v1/auth/register',
  summary: 'Create a citizen or business account',
  description: 'The role follows `accountType`; a business needs its NIF in `taxId`. Passwords need 10+ characters with letters and a digit or symbol.',
  tags: ['auth'],
  roles: 'public',
  body: z.strictObject({
    email: EmailSchema,
    password: Password,
    fullName: z.string().trim().min(1, 'expected a name').max(200, 'expected at most 200 characters'),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9 ]{6,20}$/, 'expected a phone number like +240 222 123 456')
      .optional(),
    accountType: z.enum(['citizen', 'business'], { error: 'expected citizen or business' }),
    taxId: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9-]{4,30}$/, 'expected a NIF of 4 to 30 letters, digits or dashes')
      .optional(),
    locale: z.enum(LANGUAGES, { error: 'expected one of es, fr, en' }).default('es'),
  }),
  responses: { 201: { description: 'The account', schema: UserSchema } },
  errors: ['email_taken', 'rate_limited'],
});

export const login = defineRoute({
  operationId: 'login',
  method: 'post',
  path: '/api/v1/auth/login',
  summary: 'Exchange email and password for tokens',
  tags: ['auth'],
  roles: 'public',
  body: z.strictObject({ email: EmailSchema, password: Password }),
  responses: { 200: { description: 'Tokens', schema: TokenPairSchema } },
  errors: ['unauthenticated', 'forbidden', 'rate_limited'],
});

const RefreshBody = z.strictObject({ refreshToken: z.string().min(1, 'expected the refresh token').max(200) });

export const refresh = defineRoute({
  operationId: 'refreshTokens',
  method: 'post',
  path: '/api/v1/auth/refresh',
  summary: 'Rotate a refresh token for a new token pair',
  description: 'Each refresh token works once. Presenting a spent one ends every session of its family.',
  tags: ['auth'],
  roles: 'public',
  body: RefreshBody,
  responses: { 200: { description: 'New tokens', schema: TokenPairSchema } },
  errors: ['unauthenticated'],
});

export const logout = defineRoute({
  operationId: 'logout',
  method: 'post',
  path: '/api/v1/auth/logout',
  summary: 'End the session of a refresh token',
  tags: ['auth'],
  roles: 'public',
  body: RefreshBody,
  responses: { 204: { description: 'Ended (also when it was already ended)' } },
});

export const me = defineRoute({
  operationId: 'getMe',
  method: 'get',
  path: '/api/v1/auth/me',
  summary: 'The account of the access token',
  tags: ['auth'],
  roles: ROLES,
  responses: { 200: { description: 'The account', schema: UserSchema } },
});

export const forgotPassword = defineRoute({
  operationId: 'forgotPassword',
  method: 'post',
  path: '/api/v1/auth/password/forgot',
  summary: 'Email a single-use reset link (valid 1 hour)',
  description: 'Always 202, whether or not the email has an account.',
  tags: ['auth'],
  roles: 'public',
  body: z.strictObject({ email: EmailSchema }),
  responses: { 202: { description: 'Accepted', schema: z.object({ status: z.literal('accepted') }) } },
  errors: ['rate_limited'],
});

export const resetPassword = defineRoute({
  operationId: 'resetPassword',
  method: 'post',
  path: '/api/v1/auth/password/reset',
  summary: 'Set a new password with a reset token; ends every session',
  tags: ['auth'],
  roles: 'public',
  body: z.strictObject({ token: z.string().min(1, 'expected the reset token').max(200), password: Password }),
  responses: { 204: { description: 'Password changed' } },
  errors: ['rate_limited'],
});

export const jwks = defineRoute({
  operationId: 'getJwks',
  method: 'get',
  path: '/.well-known/jwks.json',
  summary: 'Public keys that verify access tokens (receipts: GET /api/v1/receipts/keys, which keeps retired keys)',
  tags: ['auth'],
  roles: 'public',
  responses: {
    200: {
      description: 'JSON Web Key Set',
      schema: z
        .object({ keys: z.array(z.object({ kty: z.string(), crv: z.string(), x: z.string(), kid: z.string(), alg: z.string(), use: z.string() })) })
        .meta({ id: 'Jwks' }),
    },
  },
});

export const authRoutes = [register, login, refresh, logout, me, forgotPassword, resetPassword, jwks] as const;
