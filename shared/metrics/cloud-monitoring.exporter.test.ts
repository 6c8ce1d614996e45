import { decodeProblems, lookupType } from '../../test/observability/support/proto-walker';
import { createCloudMonitoringExporter, type TimeSeries, type TimeSeriesWriter } from './cloud-monitoring.exporter';
import { createMetricRecorder, type MetricRecorder } from './metric-recorder';

const CreateTimeSeriesRequest = lookupType('@google-cloud/monitoring', 'google.monitoring.v3.CreateTimeSeriesRequest');
const start = new Date('2026-01-15T09:00:00.250Z');

function fakeWriter(fail: (call: number) => boolean = () => false) {
  const requests: { name: string; timeSeries: TimeSeries[] }[] = [];
  const writer: TimeSeriesWriter = {
    async createTimeSeries(request) {
      requests.push(request);
      if (fail(requests.length)) throw new Error('PERMISSION_DENIED: monitoring.timeSeries.create');
      return [{}];
    },
  };
  return { writer, requests };
}

function setup(options: { fail?: (call: number) => boolean; batchSize?: number; recorder?: MetricRecorder } = {}) {
  let now = start.getTime();
  const recorder = options.recorder ?? createMetricRecorder({ now: () => new Date(now) });
  const { writer, requests } = fakeWriter(options.fail);
  const errors: unknown[] = [];
  let loads = 0;
  const exporter = createCloudMonitoringExporter({
    projectId: 'taxasge-prod',
    location: 'europe-west1',
    job: 'fiscal-services',
    taskId: 'instance-1',
    recorder,
    loadWriter: async () => {
      loads++;
      return writer;
    },
    onError: (err) => errors.push(err),
    now: () => new Date(now),
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
  });
  return { exporter, recorder, requests, errors, loads: () => loads, advance: (ms: number) => (now += ms) };
}

describe('the Cloud Monitoring exporter', () => {
  it('writes custom metrics as TimeSeries the API accepts: CUMULATIVE counters and distributions, GAUGE gauges', async () => {
    const { exporter, recorder, requests, advance } = setup();
    recorder.increment('http_requests', { group: 'fiscal-services', route: '/api/v1/fiscal-services', method: 'GET', status: '200' }, 3);
    recorder.observe('http_request_duration_seconds', { group: 'fiscal-services', route: '/api/v1/fiscal-services', method: 'GET' }, 0.02);
    recorder.observe('http_request_duration_seconds', { group: 'fiscal-services', route: '/api/v1/fiscal-services', method: 'GET' }, 0.04);
    recorder.observe('http_request_duration_seconds', { group: 'fiscal-services', route: '/api/v1/fiscal-services', method: 'GET' }, 20);
    recorder.set('catalog_services', { ministry: 'M-001' }, 14);
    recorder.set('process_resident_memory_bytes', {}, 1e8); // OpenMetrics only
    recorder.increment('webhooks_received', { type: 'payment.succeeded', outcome: 'accepted' }); // log-based
    advance(60_000);
    await exporter.flush();

    expect(requests).toHaveLength(1);
    const request = requests[0]!;
    expect(decodeProblems(CreateTimeSeriesRequest, request, 'object')).toEqual([]);
    // What the client sends on the wire decodes back to the same values.
    const wire = CreateTimeSeriesRequest.toObject(
      CreateTimeSeriesRequest.decode(CreateTimeSeriesRequest.encode(CreateTimeSeriesRequest.fromObject(request)).finish()),
      { enums: String, longs: Number, defaults: false },
    );
    expect(wire.name).toBe('projects/taxasge-prod');
    expect(request.timeSeries.map((t) => t.metric!.type)).toEqual([
      'custom.googleapis.com/taxasge/http_requests',
      'custom.googleapis.com/taxasge/http_request_duration_seconds',
      'custom.googleapis.com/taxasge/catalog_services',
    ]);
    const resource = (taskId: string) => ({
      type: 'generic_task',
      labels: { project_id: 'taxasge-prod', location: 'europe-west1', namespace: 'taxasge', job: 'fiscal-services', task_id: taskId },
    });
    const interval = { startTime: { seconds: 1768467600, nanos: 250_000_000 }, endTime: { seconds: 1768467660, nanos: 250_000_000 } };
    expect(wire.timeSeries).toEqual([
      {
        metric: {
          type: 'custom.googleapis.com/taxasge/http_requests',
          labels: { group: 'fiscal-services', route: '/api/v1/fiscal-services', method: 'GET', status: '200' },
        },
        resource: resource('instance-1'),
        metricKind: 'CUMULATIVE',
        valueType: 'INT64',
        unit: '1',
        points: [{ interval, value: { int64Value: 3 } }],
      },
      {
        metric: {
          type: 'custom.googleapis.com/taxasge/http_request_duration_seconds',
          labels: { group: 'fiscal-services', route: '/api/v1/fiscal-services', method: 'GET' },
        },
        resource: resource('instance-1'),
        metricKind: 'CUMULATIVE',
        valueType: 'DISTRIBUTION',
        unit: 's',
        points: [
          {
            interval,
            value: {
              distributionValue: {
                count: 3,
                mean: expect.closeTo(20.06 / 3, 9),
                bucketOptions: { explicitBuckets: { bounds: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] } },
                bucketCounts: [0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1],
              },
            },
          },
        ],
      },
      {
        metric: { type: 'custom.googleapis.com/taxasge/catalog_services', labels: { ministry: 'M-001' } },
        // Read from the database: every instance writes the same series.
        resource: resource('database'),
        metricKind: 'GAUGE',
        valueType: 'DOUBLE',
        unit: '1',
        points: [{ interval: { endTime: interval.endTime }, value: { doubleValue: 14 } }],
      },
    ]);
  });

  it('loads @google-cloud/monitoring only at the first flush with something to write', async () => {
    let loaded = 0;
    const written: unknown[] = [];
    await jest.isolateModulesAsync(async () => {
      jest.doMock('@google-cloud/monitoring', () => {
        loaded++;
        return {
          MetricServiceClient: class {
            createTimeSeries = async (request: unknown) => written.push(request);
          },
        };
      });
      const isolated = await import('./cloud-monitoring.exporter');
      const recorder = (await import('./metric-recorder')).createMetricRecorder();
      const exporter = isolated.createCloudMonitoringExporter({ projectId: 'p', location: 'l', job: 'j', taskId: 't', recorder });
      expect(loaded).toBe(0);
      await exporter.flush();
      expect(loaded).toBe(0);
      recorder.set('db_up', {}, 1);
      await exporter.flush();
      await exporter.flush();
      expect({ loaded, written: written.length }).toEqual({ loaded: 1, written: 2 });
    });
    jest.dontMock('@google-cloud/monitoring');
  });

  it('ends a CUMULATIVE interval after its start even when no time has passed', async () => {
    const { exporter, recorder, requests } = setup();
    recorder.increment('metrics_series_dropped', { metric: 'x' });
    await exporter.flush();
    const interval = requests[0]!.timeSeries[0]!.points![0]!.interval!;
    expect(interval).toEqual({ startTime: { seconds: 1768467600, nanos: 250_000_000 }, endTime: { seconds: 1768467600, nanos: 251_000_000 } });
  });

  it('writes at most batchSize series per call, and counts each batch', async () => {
    const { exporter, recorder, requests } = setup({ batchSize: 2 });
    for (const m of ['M-001', 'M-002', 'M-003', 'M-004', 'M-005']) recorder.set('catalog_services', { ministry: m }, 1);
    await exporter.flush();
    expect(requests.map((r) => r.timeSeries.length)).toEqual([2, 2, 1]);
    const exports = (await recorder.snapshot()).families.find((f) => f.definition.name === 'metrics_exports')!.series;
    expect(exports).toEqual([{ labels: { outcome: 'ok' }, value: 3 }]);
  });

  it('never rejects: a failed write is reported and counted, the other batches still go', async () => {
    const { exporter, recorder, requests, errors } = setup({ batchSize: 1, fail: (call) => call === 1 });
    recorder.set('catalog_services', { ministry: 'M-001' }, 1);
    recorder.set('catalog_services', { ministry: 'M-002' }, 1);
    await expect(exporter.flush()).resolves.toBeUndefined();
    expect(requests).toHaveLength(2);
    expect(errors.map(String)).toEqual(['Error: PERMISSION_DENIED: monitoring.timeSeries.create']);
    const exports = (await recorder.snapshot()).families.find((f) => f.definition.name === 'metrics_exports')!.series;
    expect(exports).toEqual([
      { labels: { outcome: 'error' }, value: 1 },
      { labels: { outcome: 'ok' }, value: 1 },
    ]);
  });

  it('retries loading the client after a failed load', async () => {
    const recorder = createMetricRecorder();
    recorder.set('db_up', {}, 1);
    const { writer, requests } = fakeWriter();
    let attempts = 0;
    const errors: unknown[] = [];
    const exporter = createCloudMonitoringExporter({
      projectId: 'p',
      location: 'l',
      job: 'j',
      taskId: 't',
      recorder,
      loadWriter: async () => {
        if (++attempts === 1) throw new Error('Could not load the default credentials');
        return writer;
      },
      onError: (err) => errors.push(err),
    });
    await exporter.flush();
    await exporter.flush();
    expect({ attempts, requests: requests.length, errors: errors.map(String) }).toEqual({
      attempts: 2,
      requests: 1,
      errors: ['Error: Could not load the default credentials'],
    });
  });

  it('shares a flush in progress, and flushIfDue waits for the interval', async () => {
    const { exporter, recorder, requests, advance } = setup();
    recorder.set('db_up', {}, 1);
    await Promise.all([exporter.flush(), exporter.flush(), exporter.flushIfDue()]);
    expect(requests).toHaveLength(1);
    await exporter.flushIfDue();
    expect(requests).toHaveLength(1);
    advance(60_000);
    await exporter.flushIfDue();
    expect(requests).toHaveLength(2);
  });

  it('flushes on its timer, off the request path, and once more when stopped', async () => {
    jest.useFakeTimers({ doNotFake: ['performance'] });
    try {
      const { exporter, recorder, requests } = setup();
      recorder.set('db_up', {}, 1);
      exporter.start();
      exporter.start();
      await jest.advanceTimersByTimeAsync(60_000);
      expect(requests).toHaveLength(1);
      await exporter.stop();
      expect(requests).toHaveLength(2);
      await jest.advanceTimersByTimeAsync(120_000);
      expect(requests).toHaveLength(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('loads the real client lazily through loadMonitoringWriter', async () => {
    const { loadMonitoringWriter } = await import('./cloud-monitoring.exporter');
    const writer = await loadMonitoringWriter();
    expect(typeof writer.createTimeSeries).toBe('function');
    const real = (await import('@google-cloud/monitoring')) as { MetricServiceClient: { servicePath?: string } };
    expect(real.MetricServiceClient.servicePath).toBe('monitoring.googleapis.com');
  });
});
