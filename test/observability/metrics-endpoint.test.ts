/** GET /metrics through the local server over a real database: OpenMetrics, values read at scrape time, the bearer token. */
import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import { getMetrics } from '../../shared/api/metrics.routes';
import { createHttpFunction } from '../../shared/http/http-function';
import { pipeline } from '../../shared/runtime/pipeline';
import { bindRoute } from '../../shared/http/request-context';
import { createMetricsHandler, metricsAccess } from '../../shared/metrics/metrics-endpoint';
import { METRICS, openMetricsName } from '../../shared/metrics/metric-registry';
import { getRuntime } from '../../shared/runtime/runtime';
import { catalogSource, expectedPayable } from '../support/catalog-oracle';
import { createTestApp, type TestApp } from '../support/test-app';
import { parseOpenMetrics, type Family } from './support/openmetrics-validator';
import { promtool } from './support/prometheus-tools';

const byLabel = (family: Family | undefined, label: string) => Object.fromEntries((family?.samples ?? []).map((s) => [s.labels[label], s.value]));

describe('GET /metrics', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('answers valid OpenMetrics text naming every registered metric', async () => {
    const res = await request(app.server).get('/metrics').expect(200);
    expect(res.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    const families = parseOpenMetrics(res.text);
    expect([...families.keys()]).toEqual(METRICS.map((m) => openMetricsName(m)));
    for (const m of METRICS) {
      const f = families.get(openMetricsName(m))!;
      // prom-client writes no `# UNIT`: a unit is the name's suffix (registryProblems checks it).
      expect({ name: m.name, type: f.type, help: f.help }).toEqual({ name: m.name, type: m.kind, help: m.help });
    }
  });

  it('reads the catalog gauges from PostgreSQL: services and payable-online services per ministry', async () => {
    const families = parseOpenMetrics((await request(app.server).get('/metrics').expect(200)).text);
    const services: Record<string, number> = {};
    const payable: Record<string, number> = {};
    for (const m of catalogSource.ministries) {
      services[m.code] = 0;
      payable[m.code] = 0;
    }
    for (const s of catalogSource.services) {
      services[s.ministry] = (services[s.ministry] ?? 0) + 1;
      if (expectedPayable(s)) payable[s.ministry] = (payable[s.ministry] ?? 0) + 1;
    }
    expect(byLabel(families.get('taxasge_catalog_services'), 'ministry')).toEqual(services);
    expect(byLabel(families.get('taxasge_catalog_services_payable_online'), 'ministry')).toEqual(payable);
    expect(families.get('taxasge_catalog_version')!.samples).toEqual([{ name: 'taxasge_catalog_version', labels: {}, value: 1 }]);
    expect(families.get('taxasge_db_up')!.samples[0]!.value).toBe(1);
    expect(byLabel(families.get('taxasge_metrics_collector_up'), 'collector')).toEqual({
      business: 1,
      process: 1,
      pool: 1,
      database: 1,
      catalog: 1,
      activity: 1,
      cache: 1,
    });
  });

  it('reads them again at each scrape', async () => {
    const { rows } = await app.database.db.query<{ code: string }>(
      `UPDATE fiscal_services SET active = false WHERE code = (SELECT min(code) FROM fiscal_services WHERE ministry_code = 'M-001' AND payable_online) RETURNING code`,
    );
    try {
      const families = parseOpenMetrics((await request(app.server).get('/metrics').expect(200)).text);
      const expected = catalogSource.services.filter((s) => s.ministry === 'M-001');
      expect(byLabel(families.get('taxasge_catalog_services'), 'ministry')['M-001']).toBe(expected.length - 1);
      expect(byLabel(families.get('taxasge_catalog_services_payable_online'), 'ministry')['M-001']).toBe(expected.filter(expectedPayable).length - 1);
    } finally {
      await app.database.db.query('UPDATE fiscal_services SET active = true WHERE code = $1', [rows[0]!.code]);
    }
  });

  it('shows what the HTTP pipeline recorded: counters, histograms, problems by code', async () => {
    const metrics = app.runtime.metrics();
    await request(app.server).get('/api/v1/fiscal-services/T-001').expect(200);
    await request(app.server).get('/api/v1/fiscal-services/T-001').expect(200);
    await request(app.server).get('/api/v1/fiscal-services/T-999').expect(404);
    expect(metrics).toBeDefined();
    const families = parseOpenMetrics((await request(app.server).get('/metrics').expect(200)).text);
    const route = '/api/v1/fiscal-services/{code}';
    expect(
      families
        .get('taxasge_http_requests')!
        .samples.filter((s) => s.labels.route === route)
        .map((s) => [s.labels.status, s.value]),
    ).toEqual([
      ['200', 2],
      ['404', 1],
    ]);
    const count = families.get('taxasge_http_request_duration_seconds')!.samples.find((s) => s.name.endsWith('_count') && s.labels.route === route);
    expect(count).toEqual({ name: 'taxasge_http_request_duration_seconds_count', labels: { group: 'fiscal-services', route, method: 'GET' }, value: 3 });
    expect(families.get('taxasge_http_problems')!.samples.filter((s) => s.labels.route === route)).toEqual([
      { name: 'taxasge_http_problems_total', labels: { group: 'fiscal-services', route, status: '404', code: 'not_found' }, value: 1 },
    ]);
    // The catalog's own lookups: the taxonomy and T-001 missed first, then T-001 was a hit (the
    // taxonomy is then held by the instance).
    const lookups = byLabel(families.get('taxasge_cache_lookups'), 'result');
    expect(lookups.hit).toBeGreaterThanOrEqual(1);
    expect(lookups.miss).toBeGreaterThanOrEqual(2);
    // Each of those reads was timed, and each miss was written back; the cache collector then read
    // what the memory cache holds.
    const calls = Object.fromEntries(
      families
        .get('taxasge_cache_operation_duration_seconds')!
        .samples.filter((s) => s.name.endsWith('_count'))
        .map((s) => [s.labels.operation, s.value]),
    );
    expect(calls.get).toBe((lookups.hit ?? 0) + (lookups.miss ?? 0) + (lookups.error ?? 0));
    expect(calls.set).toBeGreaterThanOrEqual(2);
    expect(byLabel(families.get('taxasge_cache_keys'), 'cache').memory).toBeGreaterThanOrEqual(2);
    expect(byLabel(families.get('taxasge_cache_evicted_keys'), 'cache')).toEqual({ memory: 0 });
  });

  it('answers the Prometheus text format 0.0.4 to a scraper preferring text/plain, and promtool accepts it', async () => {
    const res = await request(app.server).get('/metrics').set('Accept', 'text/plain;version=0.0.4;q=0.9,*/*;q=0.1').expect(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.text).not.toContain('# EOF');
    expect(res.text).toContain('# TYPE taxasge_http_requests_total counter');
    const lint = promtool(['check', 'metrics'], res.text);
    expect({ status: lint.status, output: lint.stdout + lint.stderr }).toEqual({ status: 0, output: '' });
  });

  it('is open without a token in test and development', async () => {
    await request(app.server).get('/metrics').set('Authorization', 'Bearer anything').expect(200);
  });
});

describe('the metrics bearer token', () => {
  let app: TestApp;
  let server: ReturnType<typeof getTestServer>;
  beforeAll(async () => {
    app = await createTestApp();
    const routes = [
      bindRoute(getMetrics, createMetricsHandler({ metrics: () => getRuntime().metrics(), access: () => ({ token: 's3cret-token', required: true }) })),
    ];
    http('metrics-with-token', createHttpFunction({ routes, ...pipeline }));
    server = getTestServer('metrics-with-token');
  });
  afterAll(() => app.close());

  it('refuses a scrape without Authorization, as problem+json with a Bearer challenge', async () => {
    const res = await request(server).get('/metrics').expect(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(res.body).toMatchObject({ status: 401, code: 'unauthenticated', detail: 'Metrics need `Authorization: Bearer <token>`.' });
  });

  it.each([['Bearer wrong-token'], ['Bearer s3cret-token-and-more'], ['Basic czNjcmV0LXRva2Vu'], ['s3cret-token']])('refuses %s', async (authorization) => {
    const res = await request(server).get('/metrics').set('Authorization', authorization).expect(401);
    expect(res.body.detail).toBe('The metrics bearer token is not valid.');
  });

  it('serves the metrics for the right token', async () => {
    const res = await request(server).get('/metrics').set('Authorization', 'Bearer s3cret-token').expect(200);
    expect(parseOpenMetrics(res.text).has('taxasge_catalog_services')).toBe(true);
  });
});

describe('the access rule of the metrics function', () => {
  let app: TestApp;
  let server: ReturnType<typeof getTestServer>;
  beforeAll(async () => {
    app = await createTestApp();
    // What functions/metrics does in production: access from the runtime's configuration.
    const routes = [
      bindRoute(
        getMetrics,
        createMetricsHandler({
          metrics: () => getRuntime().metrics(),
          access: () => metricsAccess({ environment: 'production', metricsBearerToken: undefined }),
        }),
      ),
    ];
    http('metrics-in-production', createHttpFunction({ routes, ...pipeline }));
    server = getTestServer('metrics-in-production');
  });
  afterAll(() => app.close());

  it('refuses every scrape in production when no token is configured (fails closed)', async () => {
    const res = await request(server).get('/metrics').set('Authorization', 'Bearer guess').expect(401);
    expect(res.body.detail).toBe('Metrics need a bearer token, and none is configured here (METRICS_BEARER_TOKEN).');
  });

  it('requires a token in staging and production only', () => {
    expect(
      ['development', 'test', 'staging', 'production'].map((environment) => metricsAccess({ environment: environment as 'test', metricsBearerToken: 't' })),
    ).toEqual([
      { token: 't', required: false },
      { token: 't', required: false },
      { token: 't', required: true },
      { token: 't', required: true },
    ]);
  });
});

describe('GET /metrics when PostgreSQL is unreachable', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
    const { createDatabase } = await import('../../shared/adapters/db/database');
    app.runtime.db = createDatabase({ connectionString: 'postgres://nobody@127.0.0.1:1/none', max: 1, statementTimeoutMs: 1000, connectionTimeoutMs: 500 });
  });
  afterAll(async () => {
    await app.runtime.db.close();
    await app.close();
  });

  it('still answers, with db_up 0 and the failed collector marked down', async () => {
    const families = parseOpenMetrics((await request(app.server).get('/metrics').expect(200)).text);
    expect(families.get('taxasge_db_up')!.samples[0]!.value).toBe(0);
    expect(byLabel(families.get('taxasge_metrics_collector_up'), 'collector')).toEqual({
      business: 0,
      process: 1,
      pool: 1,
      database: 1,
      catalog: 0,
      activity: 0,
      cache: 1,
    });
    expect(families.get('taxasge_catalog_services')!.samples).toEqual([]);
    expect(app.logs.some((l) => l.includes('metrics collector failed') && l.includes('catalog'))).toBe(true);
  });
});
