import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { parseConfig } from '../config/config';
import { createLogger } from '../logging/logger';
import { createMemoryCache } from '../adapters/cache/memory-cache';
import { createFixedClock } from '../ports/clock.port';
import { createRuntime } from '../runtime/runtime';
import type { TimeSeries, TimeSeriesWriter } from './cloud-monitoring.exporter';
import { collectAndExport, createInstanceMetrics, type MetricsConfig } from './instance-metrics';
import type { RequestContext } from '../http/request-context';
import { createMetricsHandler } from './metrics-endpoint';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const logs: string[] = [];
const logger = createLogger({ level: 'debug', write: (l) => logs.push(l) });
const ctx: RequestContext = { logger, trace: undefined, origin: 'http://local', ip: '127.0.0.1', principal: undefined };

function writer() {
  const written: TimeSeries[][] = [];
  const w: TimeSeriesWriter = { createTimeSeries: async (r) => written.push(r.timeSeries) };
  return { w, written };
}

describe('the metrics of one instance', () => {
  it('export nothing unless METRICS_EXPORT=cloud-monitoring and a project are configured', async () => {
    const config: MetricsConfig = { environment: 'production', gcpProject: 'taxasge-prod', dbPoolMax: 5 };
    const metrics = createInstanceMetrics({ config, db: database.db, cacheKind: 'memory', logger });
    expect(metrics.exporter).toBeUndefined();
    await metrics.close();
    const noProject = createInstanceMetrics({
      config: { ...config, gcpProject: undefined, metricsExport: 'cloud-monitoring' },
      db: database.db,
      cacheKind: 'memory',
      logger,
    });
    expect(noProject.exporter).toBeUndefined();
  });

  it("export custom metrics as the function's generic_task, the pool and process read before each flush", async () => {
    const { w, written } = writer();
    const config: MetricsConfig = {
      environment: 'production',
      gcpProject: 'taxasge-prod',
      dbPoolMax: 5,
      metricsExport: 'cloud-monitoring',
      serviceName: 'payments',
      region: 'europe-west1',
    };
    const metrics = createInstanceMetrics({ config, db: database.db, cacheKind: 'upstash', logger, loadWriter: async () => w });
    metrics.recordCacheError('catalog');
    await metrics.exporter!.flush();
    const types = written.flat().map((t) => `${t.metric!.type} ${JSON.stringify(t.metric!.labels)}`);
    expect(types).toEqual(
      expect.arrayContaining([
        'custom.googleapis.com/taxasge/cache_lookups {"cache":"upstash","namespace":"catalog","result":"error"}',
        'custom.googleapis.com/taxasge/db_pool_max_connections {}',
        'custom.googleapis.com/taxasge/metrics_collector_up {"collector":"pool"}',
      ]),
    );
    // The database collectors run at scrape time only.
    expect(types.some((t) => t.includes('catalog_services'))).toBe(false);
    expect(written.flat()[0]!.resource!.labels).toMatchObject({ job: 'payments', location: 'europe-west1', namespace: 'taxasge' });
    await metrics.close();
    expect(written.length).toBe(2);
  });

  it('write one log line per event of a log-based metric', () => {
    const lines: string[] = [];
    const metrics = createInstanceMetrics({
      config: { environment: 'test', gcpProject: undefined, dbPoolMax: 5 },
      db: database.db,
      cacheKind: 'memory',
      logger,
      writeEvent: (l) => lines.push(l),
    });
    metrics.recorder.increment('login_attempts', { outcome: 'bad_credentials' });
    expect(lines.map((l) => JSON.parse(l).metric)).toEqual([{ name: 'login_attempts', labels: { outcome: 'bad_credentials' }, value: 1 }]);
  });

  it('are built once per runtime', () => {
    const config = parseConfig({ ENVIRONMENT: 'test', DATABASE_URL: database.url });
    const clock = createFixedClock();
    const a = createRuntime(config, { db: database.db, logger, clock, cache: createMemoryCache({ clock }) });
    const b = createRuntime(config, { db: database.db, logger, clock, cache: createMemoryCache({ clock }) });
    expect(a.metrics()).toBe(a.metrics());
    expect(a.metrics()).not.toBe(b.metrics());
  });
});

/** The metrics function in production: exporting to Cloud Monitoring. */
const exporting: MetricsConfig = {
  environment: 'production',
  gcpProject: 'taxasge-prod',
  dbPoolMax: 5,
  metricsExport: 'cloud-monitoring',
  serviceName: 'metrics',
};

describe('a scrape with the exporter on', () => {
  it('writes the freshly read gauges to Cloud Monitoring, at most once per interval', async () => {
    const { w, written } = writer();
    const metrics = createInstanceMetrics({ config: exporting, db: database.db, cacheKind: 'memory', logger, loadWriter: async () => w });
    const handler = createMetricsHandler({ metrics: () => metrics, access: () => ({ token: undefined, required: false }) });
    const scrape = () => handler({ headers: {}, params: undefined, query: undefined, body: undefined }, ctx);
    const first = await scrape();
    await scrape();
    expect(first).toMatchObject({ status: 200, contentType: 'application/openmetrics-text; version=1.0.0; charset=utf-8' });
    expect(written).toHaveLength(1);
    const catalog = written[0]!.filter((t) => t.metric!.type === 'custom.googleapis.com/taxasge/catalog_services');
    expect(catalog).toHaveLength(14);
    expect(catalog[0]!.resource!.labels!.task_id).toBe('database');
    await metrics.close();
  });

  it('does not wait long for a slow Cloud Monitoring', async () => {
    const never: TimeSeriesWriter = { createTimeSeries: () => new Promise(() => undefined) };
    const config: MetricsConfig = { environment: 'production', gcpProject: 'p', dbPoolMax: 5, metricsExport: 'cloud-monitoring' };
    const metrics = createInstanceMetrics({ config, db: database.db, cacheKind: 'memory', logger, loadWriter: async () => never });
    const handler = createMetricsHandler({ metrics: () => metrics, access: () => ({ token: undefined, required: false }), exportWaitMs: 50 });
    const started = Date.now();
    const result = await handler({ headers: { accept: 'text/plain' }, params: undefined, query: undefined, body: undefined }, ctx);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result).toMatchObject({ status: 200, contentType: 'text/plain; version=0.0.4; charset=utf-8' });
  });
});

describe('the scheduled collection', () => {
  it('reads every gauge and writes them now, whatever the interval', async () => {
    const { w, written } = writer();
    const metrics = createInstanceMetrics({ config: exporting, db: database.db, cacheKind: 'memory', logger, loadWriter: async () => w });
    expect(await collectAndExport(metrics)).toEqual({ exported: true });
    expect(await collectAndExport(metrics)).toEqual({ exported: true });
    expect(written).toHaveLength(2);
    expect(written[1]!.some((t) => t.metric!.type === 'custom.googleapis.com/taxasge/catalog_version')).toBe(true);
    await metrics.close();
  });

  it('only collects when the exporter is off', async () => {
    const metrics = createInstanceMetrics({
      config: { environment: 'development', gcpProject: undefined, dbPoolMax: 5 },
      db: database.db,
      cacheKind: 'memory',
      logger,
    });
    expect(await collectAndExport(metrics)).toEqual({ exported: false });
    expect((await metrics.recorder.snapshot()).families.find((f) => f.definition.name === 'catalog_version')!.series).toEqual([{ labels: {}, value: 1 }]);
  });
});
