/** The one place that reads the environment: parsed once with zod, every problem reported together. */
import { z } from 'zod';
import type { FcmSettings } from '../adapters/notify/fcm-push.adapter';
import type { MailgunSettings } from '../adapters/notify/mailgun-email.adapter';
import type { TwilioSettings } from '../adapters/notify/twilio-sms.adapter';
import { LOG_LEVELS, type LogLevel } from '../ports/logger.port';
import type { SigningKey } from '../domain/identity/key-ring';

const ENVIRONMENTS = ['development', 'test', 'staging', 'production'] as const;

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/*
 * The helpers below check a variable in one zod transform where a chain (trim, regex, transform, pipe,
 * int, min, max…) would build six to eight schemas: every function builds this schema at its cold
 * start, and each classic zod schema carries its own bound methods (intInRange: 16 KB of heap as a
 * chain, 2 KB as one transform). The messages are the chains' own.
 */

/** A whole number in [min, max] given as text (blanks around it ignored), `fallback` when unset. */
const intInRange = (min: number, max: number, fallback: number) => {
  const expected = `expected a whole number between ${min} and ${max}`;
  return z
    .string()
    .default(String(fallback))
    .transform((value, ctx) => {
      const text = value.trim();
      const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
      if (n >= min && n <= max) return n;
      ctx.addIssue({ code: 'custom', message: expected });
      return z.NEVER;
    });
};

/** An optional variable (blank = unset), trimmed, which must pass `valid` when set. */
const optionalChecked = (valid: (value: string) => boolean, expected: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      const text = value?.trim();
      if (!text) return undefined;
      if (valid(text)) return text;
      ctx.addIssue({ code: 'custom', message: expected });
      return z.NEVER;
    });

/** An optional variable matching `pattern` when set. */
const optionalMatching = (pattern: RegExp, expected: string) => optionalChecked((value) => pattern.test(value), expected);

/** Private Ed25519 JWKs, newest first: the first signs, all verify (rotation = prepend, later remove). */
const signingKeysSchema = z
  .string()
  .transform((value, ctx) => {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected a JSON array of private Ed25519 JWKs' });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .array(
        z.object({
          kty: z.literal('OKP'),
          crv: z.literal('Ed25519'),
          kid: z.string().min(1, 'every key needs a kid'),
          x: z.string().min(1),
          d: z.string().min(1, 'a private key (d) is required'),
        }),
        { error: 'expected a JSON array of private Ed25519 JWKs' },
      )
      .min(1, 'expected at least one key')
      .refine((keys) => new Set(keys.map((k) => k.kid)).size === keys.length, 'kids must be unique'),
  );

const envSchema = z.object({
  ENVIRONMENT: z.enum(ENVIRONMENTS).default('development'),
  PORT: intInRange(1, 65535, 8080),
  // `npm start` is a development server: loopback unless asked otherwise (HOST=0.0.0.0 in a container).
  HOST: z.string().trim().min(1, 'expected an address to listen on, e.g. 127.0.0.1 or 0.0.0.0').default('127.0.0.1'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  SERVICE_VERSION: z.string().trim().min(1).default('0.0.0-dev'),
  GOOGLE_CLOUD_PROJECT: optionalString,
  DATABASE_URL: optionalMatching(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// connection URL'),
  DB_POOL_MAX: intInRange(1, 100, 10),
  DB_STATEMENT_TIMEOUT_MS: intInRange(100, 600_000, 10_000),
  DATA_DIR: z.string().trim().min(1).default('./.data'),
  UPSTASH_REDIS_REST_URL: optionalString.pipe(z.url({ message: 'expected a URL such as https://<name>.upstash.io' }).optional()),
  UPSTASH_REDIS_REST_TOKEN: optionalString,
  CACHE_TTL_SECONDS: intInRange(1, 86_400, 300),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  DEMO_PASSWORD: optionalString,
  RESPONSE_VALIDATION: z.enum(['on', 'off']).optional(),
  AUTH_ISSUER: z.string().trim().min(1).default('https://api.taxasge.gq'),
  AUTH_AUDIENCE: z.string().trim().min(1).default('taxasge-api'),
  AUTH_SIGNING_KEYS: optionalString.pipe(signingKeysSchema.optional()),
  RATE_LIMIT_PUBLIC_PER_MINUTE: intInRange(1, 1_000_000, 600),
  RATE_LIMIT_REGISTRATIONS_PER_HOUR: intInRange(1, 1_000_000, 20),
  TRUSTED_PROXY_HOPS: optionalString.pipe(
    z
      .string()
      .regex(/^[0-5]$/, 'expected a whole number between 0 and 5')
      .transform(Number)
      .optional(),
  ),
  STORAGE_BUCKET: optionalMatching(/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/, 'expected a Cloud Storage bucket name'),
  PUBLIC_BASE_URL: optionalString.pipe(z.url({ message: 'expected the http(s) URL clients use to reach this server' }).optional()),
  STORAGE_LOCAL_SECRET: optionalChecked((value) => value.length >= 32, 'expected at least 32 characters'),
  MAILGUN_API_KEY: optionalString,
  MAILGUN_DOMAIN: optionalMatching(/^(?=.{1,253}$)([a-z0-9-]+\.)+[a-z]{2,}$/i, 'expected the sending domain, e.g. mg.taxasge.gq'),
  MAILGUN_BASE_URL: z
    .url({ protocol: /^https$/, message: 'expected https://api.mailgun.net or https://api.eu.mailgun.net' })
    .default('https://api.mailgun.net'),
  MAILGUN_FROM: optionalString,
  TWILIO_ACCOUNT_SID: optionalMatching(/^AC[0-9a-fA-F]{32}$/, 'expected an Account SID: AC followed by 32 hex digits'),
  TWILIO_AUTH_TOKEN: optionalString,
  TWILIO_FROM: optionalMatching(
    /^(\+[1-9]\d{6,14}|(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11})$/,
    'expected an E.164 number (+240…) or an alphanumeric sender id of at most 11 characters',
  ),
  TWILIO_BASE_URL: z.url({ protocol: /^https$/, message: 'expected an https URL' }).default('https://api.twilio.com'),
  FCM_ENABLED: z.enum(['true', 'false'], { error: 'expected true or false' }).default('false'),
  FCM_PROJECT_ID: optionalString,
  NOTIFY_HTTP_TIMEOUT_MS: intInRange(1000, 60_000, 10_000),
  BANGE_API_URL: optionalString.pipe(z.url({ message: 'expected the https:// base URL of the BANGE API (without /v1)' }).optional()),
  BANGE_API_KEY: optionalString,
  BANGE_WEBHOOK_SECRET: optionalString.pipe(
    z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().min(16, 'expected webhook secrets of at least 16 characters')).min(1))
      .optional(),
  ),
  BANGE_TIMEOUT_MS: intInRange(500, 60_000, 10_000),
  /** Where BANGE's checkout sends the payer back; {id} is our payment id, {lang} the payer's language. Default: this API's return page. */
  RETURN_URL_TEMPLATE: optionalMatching(
    /^https?:\/\/[^\s]*\{id\}[^\s]*$/,
    'expected an http(s) URL containing {id} (and optionally {lang}), e.g. https://taxasge.gq/pay/return/{id}?lang={lang}',
  ),
  METRICS_BEARER_TOKEN: optionalChecked((value) => value.length >= 24, 'expected a token of at least 24 characters'),
  METRICS_EXPORT: z.enum(['off', 'cloud-monitoring'], { error: 'expected off or cloud-monitoring' }).default('off'),
  METRICS_FLEET: z.enum(['off', 'postgres'], { error: 'expected off or postgres' }).default('off'),
  METRICS_FLEET_INTERVAL_SECONDS: intInRange(1, 3600, 60),
  K_SERVICE: optionalString,
  GCP_REGION: optionalString,
  EVENT_BUS: z.enum(['in-process', 'pubsub'], { error: 'expected in-process or pubsub' }).optional(),
  PUBSUB_EMULATOR_HOST: optionalString,
  PUBSUB_PUBLISH_TIMEOUT_MS: intInRange(500, 60_000, 5000),
  OCR_PROVIDER: z.enum(['vision', 'tesseract'], { error: 'expected vision or tesseract' }).optional(),
  OCR_LANGUAGES: z
    .string()
    .default('spa+fra+eng')
    .transform((v) =>
      v
        .split('+')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(['spa', 'fra', 'eng'], { error: 'expected languages among spa, fra, eng joined by +, e.g. spa+fra+eng' })).min(1)),
  OCR_MIN_QUALITY: z.coerce.number({ error: 'expected a number between 0 and 1' }).min(0).max(1).default(0.6),
  VISION_API_URL: z.url({ message: 'expected the base URL of the Cloud Vision API' }).default('https://vision.googleapis.com'),
  PASSWORD_RESET_URL: z.url({ message: 'expected the https:// URL of the password-reset page' }).default('https://taxasge.gq/reset-password'),
  FISCAL_RETENTION_YEARS: intInRange(1, 30, 10),
  WEBHOOK_BODY_RETENTION_DAYS: intInRange(7, 3650, 90),
  NOTIFICATION_RETENTION_DAYS: intInRange(7, 3650, 180),
  EVENT_RETENTION_DAYS: intInRange(7, 3650, 30),
  DOCUMENT_RETENTION_DAYS: intInRange(1, 3650, 90),
});

/** Local development only: the sandbox's credentials, refused in staging and production. */
export const SANDBOX_API_KEY = 'sandbox_sk_local';
export const SANDBOX_WEBHOOK_SECRET = 'whsec_sandbox_local_development';

/** Rules across variables, checked on the raw values so they are reported even when a field is invalid. */
function crossFieldProblems(env: Record<string, string | undefined>, purpose: ConfigPurpose): string[] {
  const set = (name: string) => Boolean(env[name]?.trim());
  const environment = env.ENVIRONMENT?.trim() || 'development';
  const problems: string[] = [];
  if (set('UPSTASH_REDIS_REST_URL') !== set('UPSTASH_REDIS_REST_TOKEN')) {
    const missing = set('UPSTASH_REDIS_REST_URL') ? 'UPSTASH_REDIS_REST_TOKEN' : 'UPSTASH_REDIS_REST_URL';
    problems.push(`${missing}: UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN must be set together`);
  }
  if ((environment === 'production' || environment === 'staging') && !set('DATABASE_URL')) {
    problems.push(`DATABASE_URL: required when ENVIRONMENT=${environment}`);
  }
  if (purpose === 'api' && (environment === 'production' || environment === 'staging') && !set('STORAGE_BUCKET')) {
    problems.push(`STORAGE_BUCKET: required when ENVIRONMENT=${environment}; local-folder storage is for development`);
  }
  if (purpose === 'api' && (environment === 'production' || environment === 'staging') && !set('AUTH_SIGNING_KEYS')) {
    problems.push(`AUTH_SIGNING_KEYS: required when ENVIRONMENT=${environment} (from Secret Manager)`);
  }
  // A function holding a provider's secret sends through it, so it needs the rest of its settings.
  for (const [secret, needs] of [
    ['MAILGUN_API_KEY', ['MAILGUN_DOMAIN']],
    ['TWILIO_AUTH_TOKEN', ['TWILIO_ACCOUNT_SID', 'TWILIO_FROM']],
  ] as const) {
    const missing = needs.filter((name) => !set(name));
    if (set(secret) && missing.length) problems.push(`${missing.join(', ')}: required with ${secret}`);
  }
  if (environment === 'production' && set('DEMO_PASSWORD')) {
    problems.push('DEMO_PASSWORD: demo accounts are never created in production; unset it');
  }
  return problems;
}

export type Environment = (typeof ENVIRONMENTS)[number];

export interface Config {
  environment: Environment;
  port: number;
  /** The address `npm start` listens on. */
  host: string;
  logLevel: LogLevel;
  serviceVersion: string;
  gcpProject: string | undefined;
  databaseUrl: string | undefined;
  dbPoolMax: number;
  dbStatementTimeoutMs: number;
  dataDir: string;
  upstash: { url: string; token: string } | undefined;
  cacheTtlSeconds: number;
  corsOrigins: string[];
  demoPassword: string | undefined;
  /** Check every response against its schema: on by default outside production. */
  responseValidation: boolean;
  auth: {
    issuer: string;
    audience: string;
    /** Unset in development and tests: an ephemeral key is generated per process (see identity/keys). */
    signingKeys: SigningKey[] | undefined;
    passwordResetUrl: string;
  };
  rateLimitPublicPerMinute: number;
  /** Registrations a client address may attempt in an hour (bounds what "already exists" reveals). */
  rateLimitRegistrationsPerHour: number;
  /**
   * X-Forwarded-For entries appended by the proxies in front of the server, counted from the end; the
   * first of them is the client's address (docs/SECURITY.md). 0: no proxy, the socket's address.
   */
  trustedProxyHops: number;
  /** Channels without settings fall back to the local outbox table. */
  notifications: {
    mailgun: MailgunSettings | undefined;
    twilio: TwilioSettings | undefined;
    fcm: FcmSettings | undefined;
  };
  metricsBearerToken: string | undefined;
  metricsExport: 'off' | 'cloud-monitoring';
  /** `postgres`: /metrics sums every instance's counters from PostgreSQL (each publishes every `metricsFleetIntervalSeconds`); `off`: this process only. */
  metricsFleet: 'off' | 'postgres';
  metricsFleetIntervalSeconds: number;
  /** The function Cloud Run runs (K_SERVICE), for exported series. */
  serviceName: string | undefined;
  region: string | undefined;
  /** `pubsub`: publish to Pub/Sub (consumers are event functions); `in-process`: every consumer runs here. */
  eventBus: { kind: 'in-process' | 'pubsub'; emulatorHost: string | undefined; publishTimeoutMs: number };
  /** The origin clients and BANGE use to reach the API (links, signed URLs, webhook callbacks). */
  publicBaseUrl: string;
  /** Reading uploaded documents (docs/DOCUMENTS.md). */
  ocr: {
    /** OCR_PROVIDER; by default Cloud Vision in staging and production, Tesseract elsewhere. */
    provider: 'vision' | 'tesseract';
    /** Tesseract's languages, the first the main one; Vision gets them as hints. */
    languages: ('spa' | 'fra' | 'eng')[];
    /** Below this engine confidence a document is flagged low_quality. */
    minQuality: number;
    visionApiUrl: string;
  };
  storage: {
    /** Set: Cloud Storage; unset: a local folder under DATA_DIR served by the local server. */
    bucket: string | undefined;
    localSecret: string | undefined;
  };
  bange: {
    /** Base URL without /v1; unset locally = the BANGE sandbox of the local server. */
    apiUrl: string;
    apiKey: string;
    /** Newest first; every one verifies (rotation). */
    webhookSecrets: string[];
    /** True when the local server's sandbox plays the bank. */
    sandbox: boolean;
    timeoutMs: number;
    /** RETURN_URL_TEMPLATE: the payer's way back from the checkout, with {id} and {lang} to fill in. */
    returnUrlTemplate: string;
  };
  /** How long personal data is kept (docs/PRIVACY.md); the retention job applies it. */
  retention: {
    /** Fiscal records and their supporting documents: the OHADA accounting act's 10 years by default. */
    fiscalYears: number;
    /** Raw bodies of settled BANGE webhooks: the window to investigate a disputed payment. */
    webhookBodyDays: number;
    /** Notification delivery records and the local notification outbox. */
    notificationDays: number;
    /** Published outbox events, consumers' inbox rows and replayed dead letters. */
    eventDays: number;
    /** Documents of declarations closed without becoming a fiscal record (cancelled, expired, unpaid). */
    documentDays: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** `api`: the functions; `job`: command-line jobs (migrations, audit verification) that sign nothing. */
export type ConfigPurpose = 'api' | 'job';

/** Parses the environment; throws ConfigError listing every problem at once. */
export function parseConfig(env: Record<string, string | undefined>, purpose: ConfigPurpose = 'api'): Config {
  // Parsed once per instance, at its cold start: zod's JIT would first generate and compile a parser for
  // the ~100 keys of this object (not in the bundle's code cache), which only repeated parses repay.
  const result = envSchema.safeParse(env, { jitless: true });
  const problems = [
    ...(result.success ? [] : result.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`)),
    ...crossFieldProblems(env, purpose),
  ];
  if (!result.success || problems.length) throw new ConfigError(problems);
  const e = result.data;
  const publicBaseUrl = (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');
  return {
    environment: e.ENVIRONMENT,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    serviceVersion: e.SERVICE_VERSION,
    gcpProject: e.GOOGLE_CLOUD_PROJECT,
    databaseUrl: e.DATABASE_URL,
    dbPoolMax: e.DB_POOL_MAX,
    dbStatementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
    dataDir: e.DATA_DIR,
    upstash: e.UPSTASH_REDIS_REST_URL && e.UPSTASH_REDIS_REST_TOKEN ? { url: e.UPSTASH_REDIS_REST_URL, token: e.UPSTASH_REDIS_REST_TOKEN } : undefined,
    cacheTtlSeconds: e.CACHE_TTL_SECONDS,
    corsOrigins: e.CORS_ORIGINS,
    demoPassword: e.DEMO_PASSWORD,
    responseValidation: e.RESPONSE_VALIDATION ? e.RESPONSE_VALIDATION === 'on' : e.ENVIRONMENT !== 'production',
    auth: { issuer: e.AUTH_ISSUER, audience: e.AUTH_AUDIENCE, signingKeys: e.AUTH_SIGNING_KEYS, passwordResetUrl: e.PASSWORD_RESET_URL },
    rateLimitPublicPerMinute: e.RATE_LIMIT_PUBLIC_PER_MINUTE,
    rateLimitRegistrationsPerHour: e.RATE_LIMIT_REGISTRATIONS_PER_HOUR,
    // Deployed: Firebase Hosting appends the client's address, then Cloud Run's front end appends Hosting's. Locally nothing is in front.
    trustedProxyHops: e.TRUSTED_PROXY_HOPS ?? (e.ENVIRONMENT === 'production' || e.ENVIRONMENT === 'staging' ? 2 : 0),
    notifications: {
      mailgun:
        e.MAILGUN_API_KEY && e.MAILGUN_DOMAIN
          ? {
              apiKey: e.MAILGUN_API_KEY,
              domain: e.MAILGUN_DOMAIN,
              baseUrl: e.MAILGUN_BASE_URL,
              from: e.MAILGUN_FROM ?? `TaxasGE <no-reply@${e.MAILGUN_DOMAIN}>`,
              timeoutMs: e.NOTIFY_HTTP_TIMEOUT_MS,
            }
          : undefined,
      twilio:
        e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN && e.TWILIO_FROM
          ? {
              accountSid: e.TWILIO_ACCOUNT_SID,
              authToken: e.TWILIO_AUTH_TOKEN,
              from: e.TWILIO_FROM,
              baseUrl: e.TWILIO_BASE_URL,
              timeoutMs: e.NOTIFY_HTTP_TIMEOUT_MS,
            }
          : undefined,
      fcm:
        e.FCM_ENABLED === 'true'
          ? { ...((e.FCM_PROJECT_ID ?? e.GOOGLE_CLOUD_PROJECT) ? { projectId: (e.FCM_PROJECT_ID ?? e.GOOGLE_CLOUD_PROJECT)! } : {}) }
          : undefined,
    },
    eventBus: {
      kind: e.EVENT_BUS ?? (e.PUBSUB_EMULATOR_HOST || e.ENVIRONMENT === 'production' || e.ENVIRONMENT === 'staging' ? 'pubsub' : 'in-process'),
      emulatorHost: e.PUBSUB_EMULATOR_HOST,
      publishTimeoutMs: e.PUBSUB_PUBLISH_TIMEOUT_MS,
    },
    metricsBearerToken: e.METRICS_BEARER_TOKEN,
    metricsExport: e.METRICS_EXPORT,
    metricsFleet: e.METRICS_FLEET,
    metricsFleetIntervalSeconds: e.METRICS_FLEET_INTERVAL_SECONDS,
    serviceName: e.K_SERVICE,
    region: e.GCP_REGION,
    publicBaseUrl,
    ocr: {
      provider: e.OCR_PROVIDER ?? (e.ENVIRONMENT === 'production' || e.ENVIRONMENT === 'staging' ? 'vision' : 'tesseract'),
      languages: e.OCR_LANGUAGES,
      minQuality: e.OCR_MIN_QUALITY,
      visionApiUrl: e.VISION_API_URL.replace(/\/+$/, ''),
    },
    storage: { bucket: e.STORAGE_BUCKET, localSecret: e.STORAGE_LOCAL_SECRET },
    bange: {
      apiUrl: (e.BANGE_API_URL ?? `${publicBaseUrl}/sandbox/bange`).replace(/\/$/, ''),
      apiKey: e.BANGE_API_KEY ?? SANDBOX_API_KEY,
      webhookSecrets: e.BANGE_WEBHOOK_SECRET ?? [SANDBOX_WEBHOOK_SECRET],
      sandbox: !e.BANGE_API_URL,
      timeoutMs: e.BANGE_TIMEOUT_MS,
      returnUrlTemplate: e.RETURN_URL_TEMPLATE ?? `${publicBaseUrl}/api/v1/payments/{id}/return?lang={lang}`,
    },
    retention: {
      fiscalYears: e.FISCAL_RETENTION_YEARS,
      webhookBodyDays: e.WEBHOOK_BODY_RETENTION_DAYS,
      notificationDays: e.NOTIFICATION_RETENTION_DAYS,
      eventDays: e.EVENT_RETENTION_DAYS,
      documentDays: e.DOCUMENT_RETENTION_DAYS,
    },
  };
}

let loaded: Config | undefined;

/** The process's configuration, parsed on first use from process.env. */
export function getConfig(): Config {
  loaded ??= parseConfig(process.env);
  return loaded;
}

/**
 * For the functions that talk to BANGE: outside development the sandbox defaults are refused, so a
 * function missing its secret stops at load instead of paying into a sandbox.
 */
export function assertBankConfigured(config: Config, needs: 'api' | 'webhooks'): void {
  if (config.environment !== 'production' && config.environment !== 'staging') return;
  const problems: string[] = [];
  if (config.bange.sandbox) problems.push('BANGE_API_URL: required outside development');
  if (needs === 'api' && config.bange.apiKey === SANDBOX_API_KEY) problems.push('BANGE_API_KEY: required outside development');
  if (needs === 'webhooks' && config.bange.webhookSecrets.includes(SANDBOX_WEBHOOK_SECRET)) problems.push('BANGE_WEBHOOK_SECRET: required outside development');
  if (problems.length) throw new ConfigError(problems);
}
