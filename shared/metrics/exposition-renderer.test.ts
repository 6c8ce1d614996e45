import { parseOpenMetrics } from '../../test/observability/support/openmetrics-validator';
import { contentTypeOf, negotiateFormat, renderExposition } from './exposition-renderer';
import { createMetricRecorder } from './metric-recorder';
import type { MetricDefinition } from './metric-registry';

const registry: MetricDefinition[] = [
  {
    name: 'jobs',
    kind: 'counter',
    help: 'Jobs done, with a \\ backslash.',
    labels: ['queue'],
    module: 'events',
    cloud: 'custom',
    writer: 'every-function',
    source: 'process',
  },
  { name: 'idle', kind: 'counter', help: 'A counter never used.', labels: [], module: 'events', cloud: 'custom', writer: 'every-function', source: 'process' },
  {
    name: 'temperature',
    kind: 'gauge',
    help: 'A gauge.',
    labels: [],
    module: 'process',
    cloud: 'google',
    google: 'run.googleapis.com/container/memory/utilizations',
    source: 'process',
  },
  {
    name: 'wait_seconds',
    kind: 'histogram',
    help: 'A histogram.',
    labels: ['queue'],
    unit: 'seconds',
    buckets: [0.1, 1],
    module: 'events',
    cloud: 'custom',
    writer: 'every-function',
    source: 'process',
  },
];

function recorder() {
  const r = createMetricRecorder({ definitions: registry });
  const any = r as unknown as {
    increment(n: string, l: object, by?: number): void;
    observe(n: string, l: object, v: number): void;
    set(n: string, l: object, v: number): void;
  };
  any.increment('jobs', { queue: 'a "q"\\\n' }, 2);
  any.observe('wait_seconds', { queue: 'a' }, 0.05);
  any.observe('wait_seconds', { queue: 'a' }, 0.5);
  any.observe('wait_seconds', { queue: 'a' }, 5);
  any.set('temperature', {}, -1.5);
  return r;
}

describe('OpenMetrics rendering', () => {
  it('writes HELP and TYPE (prom-client writes no UNIT: the unit is the name suffix), _total counters, cumulative buckets, escapes, and # EOF', async () => {
    expect(await renderExposition(await recorder().snapshot(), 'openmetrics')).toBe(
      [
        '# HELP taxasge_jobs Jobs done, with a \\\\ backslash.',
        '# TYPE taxasge_jobs counter',
        'taxasge_jobs_total{queue="a \\"q\\"\\\\\\n"} 2',
        '# HELP taxasge_idle A counter never used.',
        '# TYPE taxasge_idle counter',
        'taxasge_idle_total 0',
        '# HELP taxasge_temperature A gauge.',
        '# TYPE taxasge_temperature gauge',
        'taxasge_temperature -1.5',
        '# HELP taxasge_wait_seconds A histogram.',
        '# TYPE taxasge_wait_seconds histogram',
        'taxasge_wait_seconds_bucket{queue="a",le="0.1"} 1',
        'taxasge_wait_seconds_bucket{queue="a",le="1"} 2',
        'taxasge_wait_seconds_bucket{queue="a",le="+Inf"} 3',
        'taxasge_wait_seconds_sum{queue="a"} 5.55',
        'taxasge_wait_seconds_count{queue="a"} 3',
        '# EOF',
        '',
      ].join('\n'),
    );
  });

  it('is valid for the strict reader, which gives the values back', async () => {
    const families = parseOpenMetrics(await renderExposition(await recorder().snapshot(), 'openmetrics'));
    expect(families.get('taxasge_jobs')!.samples[0]).toEqual({ name: 'taxasge_jobs_total', labels: { queue: 'a "q"\\\n' }, value: 2 });
    expect(families.get('taxasge_wait_seconds')!.samples.at(-1)).toEqual({ name: 'taxasge_wait_seconds_count', labels: { queue: 'a' }, value: 3 });
  });

  it('writes the Prometheus 0.0.4 format with counters named _total in HELP and TYPE, and no EOF', async () => {
    const text = await renderExposition(await recorder().snapshot(), 'prometheus');
    expect(text.split('\n').slice(0, 3)).toEqual([
      '# HELP taxasge_jobs_total Jobs done, with a \\\\ backslash.',
      '# TYPE taxasge_jobs_total counter',
      'taxasge_jobs_total{queue="a \\"q\\"\\\\\\n"} 2',
    ]);
    expect(text).not.toContain('# EOF');
    expect(text).not.toContain('# UNIT');
  });
});

describe('the strict OpenMetrics reader used by the tests', () => {
  it.each([
    ['no EOF', '# TYPE a gauge\na 1\n', 'the text must end with "# EOF"'],
    ['a counter sample without _total', '# TYPE a counter\na 1\n# EOF\n', 'a is not a sample name of counter a'],
    ['a unit that is not the suffix', '# TYPE a gauge\n# UNIT a seconds\na 1\n# EOF\n', 'a has unit seconds but does not end with _seconds'],
    ['interleaved families', '# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# TYPE a gauge\n# EOF\n', 'family a appears twice or interleaved'],
    ['a repeated series', '# TYPE a gauge\na{x="1"} 1\na{x="1"} 2\n# EOF\n', 'series a{x="1"} repeated'],
    ['a bad escape', '# TYPE a gauge\na{x="\\t"} 1\n# EOF\n', 'bad escape'],
    ['non-cumulative buckets', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n# EOF\n', 'buckets must be cumulative'],
    ['a count unlike +Inf', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n# EOF\n', '_count must equal the +Inf bucket'],
    ['no +Inf bucket', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n# EOF\n', 'no le="+Inf" bucket last'],
    ['a negative counter', '# TYPE a counter\na_total -1\n# EOF\n', 'counter a_total is -1'],
    ['text after EOF', '# TYPE a gauge\na 1\n# EOF\na 2\n# EOF\n', '"# EOF" must be the last line'],
  ])('refuses %s', (_what, text, problem) => {
    expect(() => parseOpenMetrics(text)).toThrow(problem);
  });
});

describe('content negotiation', () => {
  it.each([
    [undefined, 'openmetrics'],
    ['*/*', 'openmetrics'],
    ['application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1', 'openmetrics'],
    ['text/plain;version=0.0.4;q=1,*/*;q=0.1', 'prometheus'],
    ['text/plain', 'prometheus'],
    ['text/plain;q=0.5, application/openmetrics-text;q=0.9', 'openmetrics'],
    ['text/plain;q=0', 'openmetrics'],
    ['text/plain;q=abc', 'openmetrics'],
  ] as const)('Accept %s → %s', (accept, format) => {
    expect(negotiateFormat(accept)).toBe(format);
  });

  it('names the content types', () => {
    expect(contentTypeOf('openmetrics')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(contentTypeOf('prometheus')).toBe('text/plain; version=0.0.4; charset=utf-8');
  });
});
