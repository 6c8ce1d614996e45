/** Renders a metric snapshot as OpenMetrics 1.0 text, or as the Prometheus text format 0.0.4 for older scrapers. */
import { openMetricsName } from './metric-registry';
import type { FamilySnapshot, MetricSnapshot, SeriesSnapshot } from './metric-recorder';

export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
export const PROMETHEUS_TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type ExpositionFormat = 'openmetrics' | 'prometheus';

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

const escapeLabelValue = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
/** OpenMetrics escapes quotes in HELP too; the 0.0.4 format escapes only backslash and newline. */
const escapeHelp = (v: string, format: ExpositionFormat) => {
  const escaped = v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return format === 'openmetrics' ? escaped.replace(/"/g, '\\"') : escaped;
};

function labelText(labels: Record<string, string>, extra?: [string, string]): string {
  const pairs = Object.entries(labels);
  if (extra) pairs.push(extra);
  return pairs.length ? `{${pairs.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}` : '';
}

/** Series to show: what was recorded, or a zero series for a label-less counter or histogram not used yet. */
function seriesOf(family: FamilySnapshot): SeriesSnapshot[] {
  const { definition: d, series } = family;
  if (series.length > 0 || d.labels.length > 0 || d.kind === 'gauge') return series;
  if (d.kind === 'counter') return [{ labels: {}, value: 0 }];
  return [{ labels: {}, histogram: { bucketCounts: d.buckets!.map(() => 0), overflow: 0, count: 0, sum: 0, sumOfSquares: 0 } }];
}

function renderFamily(family: FamilySnapshot, format: ExpositionFormat, lines: string[]): void {
  const d = family.definition;
  const name = openMetricsName(d);
  // In 0.0.4 a counter's family carries the sample's name (with _total); in OpenMetrics it does not.
  const headerName = format === 'prometheus' && d.kind === 'counter' ? `${name}_total` : name;
  if (format === 'openmetrics') {
    lines.push(`# TYPE ${headerName} ${d.kind}`);
    if (d.unit) lines.push(`# UNIT ${headerName} ${d.unit}`);
    lines.push(`# HELP ${headerName} ${escapeHelp(d.help, format)}`);
  } else {
    lines.push(`# HELP ${headerName} ${escapeHelp(d.help, format)}`);
    lines.push(`# TYPE ${headerName} ${d.kind}`);
  }
  for (const s of seriesOf(family)) {
    if (d.kind === 'counter') lines.push(`${name}_total${labelText(s.labels)} ${formatNumber(s.value ?? 0)}`);
    else if (d.kind === 'gauge') lines.push(`${name}${labelText(s.labels)} ${formatNumber(s.value ?? 0)}`);
    else {
      const h = s.histogram!;
      let cumulative = 0;
      d.buckets!.forEach((bound, i) => {
        cumulative += h.bucketCounts[i] ?? 0;
        lines.push(`${name}_bucket${labelText(s.labels, ['le', formatNumber(bound)])} ${cumulative}`);
      });
      lines.push(`${name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${h.count}`);
      lines.push(`${name}_sum${labelText(s.labels)} ${formatNumber(h.sum)}`);
      lines.push(`${name}_count${labelText(s.labels)} ${h.count}`);
    }
  }
}

export function renderExposition(snapshot: MetricSnapshot, format: ExpositionFormat): string {
  const lines: string[] = [];
  for (const family of snapshot.families) renderFamily(family, format, lines);
  if (format === 'openmetrics') lines.push('# EOF');
  return lines.join('\n') + '\n';
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
