/** The monitoring files of the repository, and the queries (filters, PromQL) inside them. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');
export const DASHBOARDS_DIR = path.join(ROOT, 'dashboards');
export const GRAFANA_DIR = path.join(DASHBOARDS_DIR, 'grafana');
export const ALERTING_DIR = path.join(ROOT, 'alerting');
export const PROMETHEUS_DIR = path.join(ALERTING_DIR, 'prometheus');
export const RUNBOOK = path.join(ROOT, 'docs/RUNBOOK.md');

export interface JsonFile {
  name: string;
  file: string;
  json: Record<string, unknown>;
}

/** Every *.json directly in dir (Terraform applies exactly these: fileset(dir, "*.json")). */
export function jsonFiles(dir: string): JsonFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({
      name: f.replace(/\.json$/, ''),
      file: path.join(dir, f),
      json: JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Record<string, unknown>,
    }));
}

export interface CloudQuery {
  where: string;
  /** A monitoring filter with the group-by fields of its aggregations, or a PromQL expression. */
  filter?: string;
  groupBy?: string[];
  promql?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function groupByOf(...aggregations: unknown[]): string[] {
  return aggregations
    .flatMap((a) => (Array.isArray(a) ? a : [a]))
    .flatMap((a) => (isObject(a) && Array.isArray(a.groupByFields) ? (a.groupByFields as string[]) : []));
}

/** Every filter and PromQL query of a dashboard or alert policy, wherever it sits. */
export function cloudQueries(json: unknown, where: string): CloudQuery[] {
  const found: CloudQuery[] = [];
  const visit = (v: unknown, at: string) => {
    if (Array.isArray(v)) return v.forEach((item, i) => visit(item, `${at}[${i}]`));
    if (!isObject(v)) return;
    if (typeof v.filter === 'string')
      found.push({ where: `${at}.filter`, filter: v.filter, groupBy: groupByOf(v.aggregation, v.aggregations, v.secondaryAggregation) });
    if (typeof v.denominatorFilter === 'string')
      found.push({ where: `${at}.denominatorFilter`, filter: v.denominatorFilter, groupBy: groupByOf(v.denominatorAggregations) });
    if (typeof v.prometheusQuery === 'string') found.push({ where: `${at}.prometheusQuery`, promql: v.prometheusQuery });
    if (isObject(v.conditionPrometheusQueryLanguage) && typeof v.conditionPrometheusQueryLanguage.query === 'string') {
      found.push({ where: `${at}.conditionPrometheusQueryLanguage.query`, promql: v.conditionPrometheusQueryLanguage.query });
    }
    for (const [k, child] of Object.entries(v)) visit(child, `${at}.${k}`);
  };
  visit(json, where);
  return found;
}

export interface GrafanaTarget {
  where: string;
  expr: string;
}

export function grafanaTargets(dashboard: JsonFile): GrafanaTarget[] {
  const panels = (dashboard.json.panels ?? []) as { title?: string; targets?: { expr?: string }[] }[];
  return panels.flatMap((p) => (p.targets ?? []).map((t, i) => ({ where: `grafana/${dashboard.name}: "${p.title}" target ${i}`, expr: t.expr ?? '' })));
}

/** GitHub's anchor of a Markdown heading. */
export function githubSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of every heading of a Markdown file. */
export function markdownAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) anchors.add(githubSlug(heading[1]!));
  }
  return anchors;
}
