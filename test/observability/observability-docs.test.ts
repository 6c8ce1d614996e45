/** docs/RUNBOOK.md has a complete section per alert naming real resources; docs/OBSERVABILITY.md lists every metric. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadInventory, RESOURCE_NAMES } from '../../scripts/delivery/terraform-inventory';
import { METRICS, openMetricsName, type MetricDefinition } from '../../shared/metrics/metric-registry';
import { ALERTING_DIR, jsonFiles, markdownAnchors, ROOT, RUNBOOK } from './support/monitoring-files';

const runbook = readFileSync(RUNBOOK, 'utf8');
const policies = jsonFiles(ALERTING_DIR);

/** The text of each `## ` section, by anchor. */
function sections(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of markdown.split(/^## /m).slice(1)) {
    const [heading = '', ...body] = part.split('\n');
    out.set([...markdownAnchors(`## ${heading}`)][0]!, body.join('\n'));
  }
  return out;
}

const shellBlocks = (markdown: string) => [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('docs/RUNBOOK.md', () => {
  const bySection = sections(runbook);

  it.each(policies.map((p) => [p.name] as const))('has a section for %s: how it shows, diagnosis commands, actions, escalation', (id) => {
    const text = bySection.get(id) ?? '';
    expect({
      id,
      parts: ['**How it shows.**', '**Diagnosis.**', '**Actions.**', '**Escalation.**'].filter((p) => !text.includes(p)),
      commands: shellBlocks(text).length > 0,
    }).toEqual({
      id,
      parts: [],
      commands: true,
    });
  });

  it('links only to headings it has', () => {
    const anchors = markdownAnchors(runbook);
    const links = [...runbook.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
    expect(links.filter((l) => !anchors.has(l))).toEqual([]);
  });

  it('names in its commands only resources the Terraform code declares', async () => {
    const { catalogue, environments } = await loadInventory();
    const functions = [...catalogue.httpFunctions, ...catalogue.eventFunctions];
    const subscriptions = Object.keys(catalogue.subscriptions).flatMap((s) => [s, `${s}-dead-letter`]);
    const terraformText = readTerraformText(path.join(ROOT, 'terraform'));
    const commands = shellBlocks(runbook).join('\n') + '\n' + [...runbook.matchAll(/`((?:gcloud|firebase|npm) [^`]+)`/g)].map((m) => m[1]).join('\n');
    const checks: [RegExp, readonly string[], string][] = [
      [/gcloud functions [a-z-]+ ([a-z][\w-]*)/g, functions, 'function'],
      [/gcloud run services [a-z-]+ ([a-z][\w-]*)/g, functions, 'Cloud Run service'],
      [/--service=([\w-]+)/g, functions, 'Cloud Run service'],
      [/service_name="([^"]+)"/g, functions, 'Cloud Run service'],
      [/gcloud pubsub subscriptions [a-z-]+ ([a-z][\w-]*)/g, subscriptions, 'subscription'],
      [/gcloud pubsub topics [a-z-]+ ([a-z][\w-]*)/g, catalogue.topics, 'topic'],
      [/gcloud sql instances [a-z-]+ ([a-z][\w-]*)/g, [RESOURCE_NAMES.sqlInstance, RESOURCE_NAMES.sqlReplica], 'Cloud SQL instance'],
      [/--instance=([\w-]+)/g, [RESOURCE_NAMES.sqlInstance, RESOURCE_NAMES.sqlReplica], 'Cloud SQL instance'],
      [/gcloud scheduler jobs [a-z-]+ ([a-z][\w-]*)/g, Object.keys(catalogue.scheduledJobs), 'scheduler job'],
      [/gcloud secrets versions add ([a-z][\w-]*)/g, catalogue.secrets, 'secret'],
      [/--project=(\S+)/g, ['$PROJECT'], 'project flag'],
      [/--(?:region|location)=(\S+)/g, ['$REGION'], 'region flag'],
      [/^PROJECT=(\S+)/gm, Object.values(environments).map((e) => e.projectId), 'project'],
      [/^REGION=(\S+)/gm, [...new Set(Object.values(environments).map((e) => e.region))], 'region'],
    ];
    const unknown: string[] = [];
    let found = 0;
    for (const [pattern, known, what] of checks) {
      for (const m of commands.matchAll(pattern)) {
        found++;
        if (!known.includes(m[1]!)) unknown.push(`${what} ${m[1]} (${m[0]})`);
      }
    }
    for (const m of commands.matchAll(/\btaxasge-[a-z][a-z-]*[a-z]\b/g)) {
      if (m[0] !== 'taxasge-api' && !terraformText.includes(`"${m[0]}"`)) unknown.push(`name ${m[0]} appears in no Terraform string`);
    }
    expect(found).toBeGreaterThan(50);
    expect(unknown).toEqual([]);
  });
});

function readTerraformText(dir: string): string {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.tf'))
    .map((e) => readFileSync(path.join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}

describe('docs/OBSERVABILITY.md', () => {
  const doc = readFileSync(path.join(ROOT, 'docs/OBSERVABILITY.md'), 'utf8');

  it.each((METRICS as readonly MetricDefinition[]).map((m) => [m.name, m] as const))('lists %s with its kind and Cloud Monitoring path', (_name, m) => {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${openMetricsName(m)}\` |`));
    const cells = row?.split('|').map((c) => c.trim());
    const sink = m.cloud === 'custom' && m.source === 'database' ? 'custom (scrape)' : m.cloud;
    expect({ kind: cells?.[2], sink: cells?.[5] }).toEqual({ kind: m.kind, sink });
  });
});
