/** A real Prometheus server (Debian's package) scrapes GET /metrics of the local stack: up == 1, values as stored. */
import type { AddressInfo } from 'node:net';
import { createTestApp, type TestApp } from '../support/test-app';
import { startPrometheus, type PrometheusServer } from './support/prometheus-tools';

interface QueryResult {
  status: string;
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}
interface TargetsResult {
  data: { activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] };
}

let app: TestApp;
let prometheus: PrometheusServer | undefined;
const accepts: string[] = [];

beforeAll(async () => {
  app = await createTestApp();
  app.server.on('request', (req: { url?: string; headers: Record<string, string | undefined> }) => {
    if (req.url === '/metrics') accepts.push(req.headers.accept ?? '');
  });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const { port } = app.server.address() as AddressInfo;
  const metrics = app.runtime.metrics();
  metrics.recordHttpRequest({ group: 'fiscal-services', route: '/api/v1/fiscal-services', method: 'GET', status: 200, durationMs: 12 });
  metrics.recordHttpRequest({ group: 'fiscal-services', route: '/api/v1/fiscal-services', method: 'GET', status: 200, durationMs: 480 });
  metrics.recordHttpRequest({
    group: 'fiscal-services',
    route: '/api/v1/fiscal-services/{code}',
    method: 'GET',
    status: 404,
    durationMs: 3,
    errorCode: 'not_found',
  });
  prometheus = await startPrometheus(
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 900ms',
      'scrape_configs:',
      '  - job_name: taxasge',
      '    metrics_path: /metrics',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${port}']`,
      '',
    ].join('\n'),
  );
}, 30_000);

afterAll(async () => {
  await prometheus?.stop();
  await new Promise<void>((resolve) => app.server.close(() => resolve()));
  await app.close();
});

async function query(prom: PrometheusServer, promql: string): Promise<QueryResult['data']['result']> {
  const body = await prom.api<QueryResult>(`/api/v1/query?query=${encodeURIComponent(promql)}`);
  if (body.status !== 'success') throw new Error(`query ${promql} failed: ${JSON.stringify(body)}`);
  return body.data.result;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

it('scrapes /metrics as OpenMetrics: up == 1, no scrape error, values as the database holds them', async () => {
  const prom = prometheus!;
  const up = await waitFor('up{job="taxasge"}', async () => (await query(prom, 'up{job="taxasge"}'))[0]);
  expect(up.value[1]).toBe('1');

  const targets = await prom.api<TargetsResult>('/api/v1/targets');
  expect(targets.data.activeTargets.map((t) => ({ job: t.labels.job, health: t.health, lastError: t.lastError }))).toEqual([
    { job: 'taxasge', health: 'up', lastError: '' },
  ]);
  // Prometheus asked for OpenMetrics first, so its OpenMetrics parser read the answer.
  expect(accepts[0]).toMatch(/^application\/openmetrics-text/);

  const { rows } = await app.database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM fiscal_services WHERE active');
  const services = await query(prom, 'sum(taxasge_catalog_services)');
  expect(Number(services[0]!.value[1])).toBe(rows[0]!.n);

  const requests = await query(prom, 'sum by (status) (taxasge_http_requests_total{group="fiscal-services"})');
  expect(Object.fromEntries(requests.map((r) => [r.metric.status, r.value[1]]))).toEqual({ '200': '2', '404': '1' });

  const slow = await query(prom, 'sum(taxasge_http_request_duration_seconds_bucket{route="/api/v1/fiscal-services",le="0.25"})');
  expect(slow[0]!.value[1]).toBe('1');
  const problems = await query(prom, 'taxasge_http_problems_total');
  expect(problems.map((p) => p.metric.code)).toEqual(['not_found']);
}, 30_000);
