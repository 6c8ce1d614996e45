/** GET /metrics: who may scrape (a bearer token compared in constant time), collect, render in the negotiated format. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { getMetrics } from '../api/metrics.routes';
import { AppError } from '../errors/app-error';
import type { RouteHandler } from '../http/request-context';
import { contentTypeOf, negotiateFormat, renderExposition } from './exposition-renderer';
import type { InstanceMetrics, MetricsConfig } from './instance-metrics';

export interface MetricsAccess {
  /** The token scrapers must present; undefined = none configured. */
  token: string | undefined;
  /** Refuse every scrape when no token is configured (staging and production: fail closed). */
  required: boolean;
}

export function metricsAccess(config: Pick<MetricsConfig, 'environment' | 'metricsBearerToken'>): MetricsAccess {
  return { token: config.metricsBearerToken, required: config.environment === 'staging' || config.environment === 'production' };
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Throws 401 unless the Authorization header carries the configured token; open when none is configured nor required. */
export function authorizeScrape(authorization: string | string[] | undefined, access: MetricsAccess): void {
  const challenge = { bearerChallenge: { realm: 'metrics' } };
  if (access.token === undefined) {
    if (!access.required) return;
    throw new AppError('unauthenticated', 'Metrics need a bearer token, and none is configured here (METRICS_BEARER_TOKEN).', undefined, challenge);
  }
  const header = Array.isArray(authorization) ? authorization[0] : authorization;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  // Digests have equal lengths, so the comparison takes the same time whatever was sent.
  if (!match || !timingSafeEqual(digest(match[1]!), digest(access.token))) {
    throw new AppError(
      'unauthenticated',
      header ? 'The metrics bearer token is not valid.' : 'Metrics need `Authorization: Bearer <token>`.',
      undefined,
      challenge,
    );
  }
}

export interface MetricsHandlerDeps {
  metrics: () => InstanceMetrics;
  access: () => MetricsAccess;
  /** How long a scrape waits for a due export to Cloud Monitoring (the scheduled collector path). */
  exportWaitMs?: number;
}

export function createMetricsHandler(deps: MetricsHandlerDeps): RouteHandler<typeof getMetrics> {
  return async (input) => {
    authorizeScrape(input.headers.authorization, deps.access());
    const metrics = deps.metrics();
    await metrics.collect();
    if (metrics.exporter) {
      // A scrape (Cloud Scheduler every minute) is when business gauges are fresh: write them while
      // this request holds the CPU, bounded so a slow API never delays the scrape much.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([metrics.exporter.flushIfDue(), new Promise<void>((resolve) => (timer = setTimeout(resolve, deps.exportWaitMs ?? 2000)))]);
      clearTimeout(timer);
    }
    const format = negotiateFormat(typeof input.headers.accept === 'string' ? input.headers.accept : undefined);
    return {
      status: 200,
      raw: await renderExposition(await metrics.snapshot(), format),
      contentType: contentTypeOf(format),
      headers: { 'Cache-Control': 'no-store' },
    };
  };
}
