/**
 * The environment each function runs with, as terraform/modules/stack gives it: the common variables,
 * the runtime secrets every function reads, the secrets the topology grants that function, its
 * NODE_OPTIONS for its memory, and K_SERVICE. Locally the secrets hold local values and a few
 * production services have their stand-ins (LOCAL_STAND_INS).
 */
import { SANDBOX_API_KEY, SANDBOX_WEBHOOK_SECRET } from '../../shared/config/config';
import type { SigningKey } from '../../shared/domain/identity/key-ring';
import { topology, type EventFunctionId, type EventFunctionSpec, type FunctionId, type HttpFunctionSpec } from '../../shared/topology/topology';
import { deployedNodeOptions } from '../build';

/** Variables Terraform sets that have no value here, and what takes their place. */
export const LOCAL_STAND_INS: Record<string, string> = {
  STORAGE_BUCKET: 'unset: documents and receipts go to the local folder under DATA_DIR, served by the proxy at /_storage/ with STORAGE_LOCAL_SECRET',
  MAILGUN_DOMAIN: 'unset: e-mails are recorded in the notification outbox table',
  TWILIO_ACCOUNT_SID: 'unset: SMS are recorded in the notification outbox table',
  TWILIO_FROM: 'unset: SMS are recorded in the notification outbox table',
};

export interface SharedSettings {
  projectId: string;
  /** The public origin (the Hosting proxy). */
  publicBaseUrl: string;
  databaseUrl: string;
  dbPoolMax: number;
  logLevel: string;
  dataDir: string;
  storageSecret: string;
  signingKeys: SigningKey[];
  bangeApiUrl: string;
  pubsubEmulatorHost: string;
  upstash: { url: string; token: string } | undefined;
  /** Added to every function (e.g. RATE_LIMIT_PUBLIC_PER_MINUTE for a test). */
  extra?: Record<string, string>;
}

/** Secret values by variable name, for the secrets a function is granted. */
function secretValues(s: SharedSettings): Record<string, string | undefined> {
  return {
    DATABASE_URL: s.databaseUrl,
    UPSTASH_REDIS_REST_URL: s.upstash?.url,
    UPSTASH_REDIS_REST_TOKEN: s.upstash?.token,
    AUTH_SIGNING_KEYS: JSON.stringify(s.signingKeys),
    BANGE_API_KEY: SANDBOX_API_KEY,
    BANGE_WEBHOOK_SECRET: SANDBOX_WEBHOOK_SECRET,
    // Unset: /metrics is open in development; notifications use the outbox table.
    METRICS_BEARER_TOKEN: undefined,
    MAILGUN_API_KEY: undefined,
    TWILIO_AUTH_TOKEN: undefined,
  };
}

/** Every function reads these (terraform/modules/stack local.runtime_secrets). */
export const RUNTIME_SECRETS = ['DATABASE_URL', 'UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN', 'AUTH_SIGNING_KEYS'];

export function commonEnvironment(s: SharedSettings): Record<string, string> {
  return {
    ENVIRONMENT: 'development',
    // The hosting proxy appends like Hosting and Cloud Run's front end do: the client's address, then its own.
    TRUSTED_PROXY_HOPS: '2',
    LOG_LEVEL: s.logLevel,
    GOOGLE_CLOUD_PROJECT: s.projectId,
    DB_POOL_MAX: String(s.dbPoolMax),
    CORS_ORIGINS: '',
    BANGE_API_URL: s.bangeApiUrl,
    PUBLIC_BASE_URL: s.publicBaseUrl,
    AUTH_ISSUER: s.publicBaseUrl,
    AUTH_AUDIENCE: 'taxasge-api',
    // Terraform sets cloud-monitoring; here Cloud Monitoring is out of reach (no network at run time).
    METRICS_EXPORT: 'off',
    // As Terraform: /metrics sums every instance's counters from PostgreSQL. Published every 2 s
    // rather than 60 s, so a short run sees its own traffic.
    METRICS_FLEET: 'postgres',
    METRICS_FLEET_INTERVAL_SECONDS: '2',
    // The stand-ins' settings and the emulator, which production has no need of.
    DATA_DIR: s.dataDir,
    STORAGE_LOCAL_SECRET: s.storageSecret,
    EVENT_BUS: 'pubsub',
    PUBSUB_EMULATOR_HOST: s.pubsubEmulatorHost,
  };
}

export function functionEnvironment(id: FunctionId, s: SharedSettings, base: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const spec: HttpFunctionSpec | EventFunctionSpec =
    (topology.httpFunctions as Record<string, HttpFunctionSpec | undefined>)[id] ?? topology.eventFunctions[id as EventFunctionId];
  const values = secretValues(s);
  const secrets = Object.fromEntries([...RUNTIME_SECRETS, ...spec.secrets].flatMap((name) => (values[name] === undefined ? [] : [[name, values[name]!]])));
  const memory = 'memory' in spec ? spec.memory : '256Mi';
  const nodeOptions = deployedNodeOptions()[memory as string];
  // Only what a deployed function would have: PATH and the like from `base`, never this shell's app settings.
  const inherited = Object.fromEntries(Object.entries(base).filter(([k]) => ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'].includes(k)));
  return { ...inherited, ...commonEnvironment(s), ...secrets, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}), K_SERVICE: id, ...s.extra };
}
