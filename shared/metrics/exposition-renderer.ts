/**
 * /metrics text: a snapshot handed to prom-client as its own metric JSON and written by it, as
 * OpenMetrics 1.0 or, for older scrapers, the Prometheus text format 0.0.4.
 */
import { openMetricsName } from './metric-registry';
import type { MetricSnapshot } from './metric-recorder';
import { AggregatorRegistry, Registry } from './prom-client';

export const OPENMETRICS_CONTENT_TYPE = Registry.OPENMETRICS_CONTENT_TYPE;
export const PROMETHEUS_TEXT_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

export type ExpositionFormat = 'openmetrics' | 'prometheus';

type Value = { value: number; labels: Record<string, string | number>; metricName?: string };

/**
 * The snapshot as `registry.getMetricsAsJSON()` would give it. A counter's name carries `_total` in
 * the 0.0.4 format only: prom-client appends it to OpenMetrics samples itself.
 */
function metricJson(snapshot: MetricSnapshot, format: ExpositionFormat) {
  return snapshot.families.map(({ definition: d, series }) => {
    const name = openMetricsName(d);
    const values: Value[] = [];
    for (const s of series) {
      if (d.kind !== 'histogram' || !s.histogram) {
        values.push({ labels: s.labels, value: s.value ?? 0 });
        continue;
      }
      const h = s.histogram;
      let cumulative = 0;
      d.buckets!.forEach((le, i) => values.push({ metricName: `${name}_bucket`, labels: { ...s.labels, le }, value: (cumulative += h.bucketCounts[i] ?? 0) }));
      values.push({ metricName: `${name}_bucket`, labels: { ...s.labels, le: '+Inf' }, value: h.count });
      values.push({ metricName: `${name}_sum`, labels: s.labels, value: h.sum }, { metricName: `${name}_count`, labels: s.labels, value: h.count });
    }
    const counterName = format === 'prometheus' ? `${name}_total` : name;
    return { name: d.kind === 'counter' ? counterName : name, help: d.help, type: d.kind, aggregator: 'sum', values };
  });
}

export function renderExposition(snapshot: MetricSnapshot, format: ExpositionFormat): Promise<string> {
  // A registry made for this one text: prom-client renames a registry's counters when it writes OpenMetrics.
  const registry = AggregatorRegistry.aggregate([metricJson(snapshot, format)]);
  registry.setContentType(contentTypeOf(format) as never);
  return registry.metrics();
}

/** Picks the format from an Accept header: OpenMetrics unless the client prefers text/plain. */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (!accept) return 'openmetrics';
  let openmetrics = -1;
  let text = -1;
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    const q = Number(params.find((p) => p.startsWith('q='))?.slice(2) ?? '1');
    const quality = Number.isFinite(q) ? q : 0;
    if (type === 'application/openmetrics-text') openmetrics = Math.max(openmetrics, quality);
    if (type === 'text/plain') text = Math.max(text, quality);
  }
  return text > 0 && text > openmetrics ? 'prometheus' : 'openmetrics';
}

export function contentTypeOf(format: ExpositionFormat): string {
  return format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_TEXT_CONTENT_TYPE;
}
