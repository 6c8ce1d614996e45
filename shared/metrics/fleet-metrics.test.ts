import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { createLogger } from '../logging/logger';
import { renderExposition } from './exposition-renderer';
import { createFleetPublisher, FLEET_STALE_AFTER_MS, type FleetPublisher } from './fleet-metrics';
import { createInstanceMetrics, type InstanceMetrics, type MetricsConfig } from './instance-metrics';
import { createMetricRecorder, type MetricRecorder } from './metric-recorder';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const logger = createLogger({ level: 'error', write: () => undefined });
let clock = new Date('2026-03-02T09:00:00Z');
const now = () => clock;
const config = (serviceName: string): MetricsConfig => ({
  environment: 'production',
  gcpProject: undefined,
  dbPoolMax: 5,
  metricsFleet: 'postgres',
  metricsFleetIntervalSeconds: 3600,
  serviceName,
});

interface Instance {
  recorder: MetricRecorder;
  publisher: FleetPublisher;
}
let ids = 0;
function instance(functionId: string): Instance {
  const recorder = createMetricRecorder({ now });
  return {
    recorder,
    publisher: createFleetPublisher({ db: database.db, functionId, recorder, intervalMs: 3_600_000, now, newInstanceId: () => `${functionId}-${++ids}` }),
  };
}
function served(i: Instance, group: string, status = 200, durationMs = 20): void {
  i.recorder.increment('http_requests', { group, route: `/api/v1/${group}`, method: 'GET', status: String(status) });
  i.recorder.observe('http_request_duration_seconds', { group, route: `/api/v1/${group}`, method: 'GET' }, durationMs / 1000);
}

/** The metrics function's instance: its scrape is what Prometheus reads. */
let scraper: InstanceMetrics;
async function scrape(): Promise<string> {
  return renderExposition(await scraper.snapshot(), 'openmetrics');
}
const sample = (text: string, line: string): number | undefined => {
  const found = text.split('\n').find((l) => l.startsWith(line + ' '));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
};
const requests = (group: string, status = '200') => `taxasge_http_requests_total{group="${group}",route="/api/v1/${group}",method="GET",status="${status}"}`;

beforeAll(() => {
  scraper = createInstanceMetrics({ config: config('metrics'), db: database.db, cacheKind: 'memory', logger, now });
});
afterAll(() => scraper.close());

describe('fleet-wide /metrics (METRICS_FLEET=postgres)', () => {
  let auth: Instance[];
  let payments: Instance;
  beforeAll(() => {
    auth = [instance('auth'), instance('auth')];
    payments = instance('payments');
  });

  it('shows the sum of every instance of every function, histograms bucket by bucket', async () => {
    served(auth[0]!, 'auth');
    served(auth[0]!, 'auth', 200, 700);
    served(auth[1]!, 'auth');
    served(auth[1]!, 'auth', 401);
    served(payments, 'payments', 200, 3);
    await Promise.all([...auth, payments].map((i) => i.publisher.publish()));

    const text = await scrape();
    expect(sample(text, requests('auth'))).toBe(3);
    expect(sample(text, requests('auth', '401'))).toBe(1);
    expect(sample(text, requests('payments'))).toBe(1);
    const bucket = (le: string) => sample(text, `taxasge_http_request_duration_seconds_bucket{group="auth",route="/api/v1/auth",method="GET",le="${le}"}`);
    expect([bucket('0.025'), bucket('0.5'), bucket('1'), bucket('+Inf')]).toEqual([3, 3, 4, 4]);
    expect(sample(text, 'taxasge_http_request_duration_seconds_sum{group="auth",route="/api/v1/auth",method="GET"}')).toBeCloseTo(0.76, 6);
    expect(sample(text, 'taxasge_metrics_collector_up{collector="fleet"}')).toBe(1);
  });

  it('never goes down when an instance stops (SIGTERM) or vanishes, nor counts twice one taken for gone that comes back', async () => {
    // One instance stops: its last counts are published and folded into the function's base.
    served(auth[1]!, 'auth');
    await auth[1]!.publisher.shutdown();
    expect(sample(await scrape(), requests('auth'))).toBe(4);

    // Another goes quiet for longer than an instance lives idle: folded at the next scrape, sums unchanged.
    clock = new Date(clock.getTime() + FLEET_STALE_AFTER_MS + 60_000);
    await payments.publisher.publish();
    const stale = auth[0]!.publisher.instanceId();
    expect(sample(await scrape(), requests('auth'))).toBe(4);
    const { rows } = await database.db.query<{ instance_id: string; retired_at: Date | null }>(
      'SELECT instance_id, retired_at FROM metric_instances WHERE instance_id = $1',
      [stale],
    );
    expect(rows[0]!.retired_at).not.toBeNull();

    // It was only idle: it serves again and publishes what it counted since, under a new id.
    served(auth[0]!, 'auth');
    served(auth[0]!, 'auth');
    await auth[0]!.publisher.publish();
    expect(auth[0]!.publisher.instanceId()).not.toBe(stale);
    const text = await scrape();
    expect(sample(text, requests('auth'))).toBe(6);
    expect(sample(text, `taxasge_http_request_duration_seconds_count{group="auth",route="/api/v1/auth",method="GET"}`)).toBe(7);
    expect(sample(text, requests('payments'))).toBe(1);

    // Publishing the same totals twice changes nothing (the upsert carries totals, not increments).
    await auth[0]!.publisher.publish();
    await auth[0]!.publisher.publish();
    expect(sample(await scrape(), requests('auth'))).toBe(6);
  });

  it('shows this instance alone, and says so, when PostgreSQL cannot be read', async () => {
    const broken = createInstanceMetrics({
      config: config('metrics'),
      db: { ...database.db, query: () => Promise.reject(new Error('connection refused')), transaction: () => Promise.reject(new Error('connection refused')) },
      cacheKind: 'memory',
      logger,
      now,
    });
    broken.recordHttpRequest({ group: 'metrics', route: '/metrics', method: 'GET', status: 200, durationMs: 1 });
    const text = await renderExposition(await broken.snapshot(), 'openmetrics');
    expect(sample(text, 'taxasge_metrics_collector_up{collector="fleet"}')).toBe(0);
    expect(sample(text, 'taxasge_http_requests_total{group="metrics",route="/metrics",method="GET",status="200"}')).toBe(1);
    expect(text).not.toContain('group="auth"');
    await broken.close();
  });
});
