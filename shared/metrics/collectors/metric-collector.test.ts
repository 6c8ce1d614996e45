import { createMetricRecorder } from '../metric-recorder';
import { runCollectors, type MetricCollector } from './metric-collector';
import { recordedSeries } from '../../../test/support/recorded-series';

const series = recordedSeries;

const catalog = (collect: MetricCollector['collect']): MetricCollector => ({ name: 'catalog', metrics: ['catalog_services', 'catalog_version'], collect });

describe('runCollectors', () => {
  it('replaces the series of the metrics a collector owns and marks it up', async () => {
    const r = createMetricRecorder();
    r.set('catalog_services', { ministry: 'M-099' }, 1);
    await runCollectors(r, [catalog(async () => ({ catalog_services: [{ labels: { ministry: 'M-001' }, value: 14 }] }))]);
    expect(await series(r, 'catalog_services')).toEqual([{ labels: { ministry: 'M-001' }, value: 14 }]);
    expect(await series(r, 'catalog_version')).toEqual([]);
    expect(await series(r, 'metrics_collector_up')).toEqual([{ labels: { collector: 'catalog' }, value: 1 }]);
  });

  it('marks a failing collector down, clears its metrics, reports the error and never rejects', async () => {
    const r = createMetricRecorder();
    r.set('catalog_services', { ministry: 'M-001' }, 14);
    const errors: string[] = [];
    await runCollectors(r, [catalog(() => Promise.reject(new Error('relation "fiscal_services" does not exist')))], {
      onError: (c, e) => errors.push(`${c}: ${String(e)}`),
    });
    expect(await series(r, 'catalog_services')).toEqual([]);
    expect(await series(r, 'metrics_collector_up')).toEqual([{ labels: { collector: 'catalog' }, value: 0 }]);
    expect(errors).toEqual(['catalog: Error: relation "fiscal_services" does not exist']);
  });

  it('gives up on a collector that does not answer in time', async () => {
    const r = createMetricRecorder();
    const errors: string[] = [];
    await runCollectors(r, [catalog(() => new Promise(() => undefined))], { timeoutMs: 20, onError: (_c, e) => errors.push(String(e)) });
    expect(errors).toEqual(['Error: collector catalog did not finish within 20 ms']);
  });

  it('refuses readings of a metric the collector does not declare', async () => {
    const r = createMetricRecorder();
    const errors: string[] = [];
    await runCollectors(r, [catalog(async () => ({ db_up: [{ labels: {}, value: 1 }] }))], { onError: (_c, e) => errors.push(String(e)) });
    expect(errors).toEqual(['Error: collector catalog read db_up, which it does not declare in its metrics']);
    expect(await series(r, 'db_up')).toEqual([]);
  });
});
