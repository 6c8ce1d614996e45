/** From measured points to the rows of the table (each beside its same-run baseline and target) and the generated part of docs/PERFORMANCE.md. */
import type { FunctionFigures } from './functions';
import type { LoadResult } from './load';
import type { DeployedWebhookFigures, InProcessWebhookFigures, WriteFigures } from './phases';
import { formatTable, row, type Row } from './report';

interface CatalogFigures {
  services: number;
  points: Record<string, LoadResult>;
  explain: Record<'list' | 'search', { executionMs: number; plan: string }>;
}

export interface BenchResults {
  date: string;
  quick: boolean;
  machine: { nproc: number; cpuModel: string; memoryGiB: number; node: string; platform: string; loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  database: { kind: string; version: string; fsync: string; synchronousCommit: string };
  scale: { pointS: number; warmupS: number; sustainedS: number; sustainedRate: number; coldRuns: number; rssRequests: number };
  catalog: CatalogFigures;
  grown: CatalogFigures;
  functions: FunctionFigures[];
  writes: WriteFigures;
  webhooks: { deployed: DeployedWebhookFigures; inProcess: InProcessWebhookFigures };
  durationsS: Record<string, number>;
  rows?: Row[];
}

const CATALOG_TARGET = '≥ 0.60× hello, p99 < 50 ms';
const SEED_API_TARGET = 'p95 < 500 ms (seed)';

export function buildRows(r: BenchResults): Row[] {
  const rows: Row[] = [];
  const hello = (c: number) => r.catalog.points[`hello@${c}`];
  for (const [key, point] of Object.entries(r.catalog.points)) {
    const [kind, at] = key.split('@') as [string, string];
    const c = Number(at);
    if (kind === 'hello') {
      rows.push(row(`hello-world, ${c} conns`, 'req/s', point.rps, null, point));
      continue;
    }
    const targeted = c === 64 && (kind === 'list' || kind === 'search');
    const ratio = point.rps / (hello(c)?.rps ?? Number.NaN);
    const met = targeted ? ratio >= 0.6 && point.p99 < 50 && point.non2xx === 0 : null;
    rows.push(row(`catalog ${label(kind)}, ${c} conns`, 'req/s', point.rps, hello(c)?.rps ?? null, point, targeted ? CATALOG_TARGET : '', met));
  }
  for (const [key, point] of Object.entries(r.grown.points)) {
    const [kind, at] = key.split('@') as [string, string];
    rows.push(row(`catalog ×16 (${r.grown.services} services) ${label(kind)}, ${at} conns`, 'req/s', point.rps, hello(Number(at))?.rps ?? null, point));
  }
  const w = r.writes;
  const hello64 = hello(64)?.rps ?? null;
  rows.push(
    row(
      'declaration create, 64 conns',
      'req/s',
      w.declarationCreate.rps,
      hello64,
      w.declarationCreate,
      SEED_API_TARGET,
      w.declarationCreate.p95 < 500 && w.declarationCreate.non2xx === 0,
    ),
  );
  rows.push(
    row(
      'payment create (BANGE sandbox), 64 conns',
      'req/s',
      w.paymentCreate.rps,
      hello64,
      w.paymentCreate,
      SEED_API_TARGET,
      w.paymentCreate.p95 < 500 && w.paymentCreate.non2xx === 0,
    ),
  );
  const d = r.webhooks.deployed;
  rows.push(row('webhooks fn → Pub/Sub, closed loop, 64 conns', 'req/s', d.capacity.rps, hello64, d.capacity));
  const s = d.sustained;
  const kept = s.ok === s.sent && s.achievedRate >= s.offeredRate;
  // 1,000/s, or 0.14× the same run's hello-world on a host whose hello-world does under 7,500/s (the issue's rule).
  const pacedTarget = s.offeredRate >= 1000 ? '≥ 1,000/s for 30 s, p95 < 50 ms' : `= offered (0.14× hello) for 30 s, p95 < 50 ms`;
  rows.push(
    row(
      `webhooks fn → Pub/Sub, paced ${s.offeredRate}/s for ${r.scale.sustainedS} s`,
      'req/s',
      s.achievedRate,
      hello64,
      s,
      pacedTarget,
      kept && s.p95 < 50 && r.scale.sustainedS >= 30,
    ),
  );
  rows.push(
    row(
      `webhooks fn: lost or unpublished (of ${d.check.acknowledgedEvents} acked)`,
      'events',
      d.check.lostEvents + d.check.unpublished,
      null,
      null,
      '0 lost',
      d.check.passed,
    ),
  );
  const inp = r.webhooks.inProcess;
  const l = inp.receiptLatency;
  rows.push(row(`webhook → paid + receipt (${l.count} at 20/s, in one process)`, 'ms p95', l.p95, null, l, 'p95 < 250 ms', l.p95 < 250 && l.timedOut === 0));
  rows.push(row('webhooks, whole pipeline in one process, 64 conns', 'req/s', inp.capacity.rps, hello64, inp.capacity));
  const j = inp.journey;
  const helloCpu = hello(64)?.serverCpuMsPerRequest ?? null;
  if (j) {
    const cost = Math.round((j.serverMsPerPayment + j.postgresMsPerPayment) * 1000) / 1000;
    rows.push(
      row(
        `CPU per applied payment, whole journey (server ${j.serverMsPerPayment} + PostgreSQL ${j.postgresMsPerPayment}), vs hello CPU/request`,
        'ms',
        cost,
        helloCpu,
        null,
        '≤ 25× hello',
        helloCpu ? cost / helloCpu <= 25 : null,
      ),
    );
    if (j.statementsPerPayment !== null)
      rows.push(row('statements per applied payment, whole journey (pg_stat_statements, triggers included)', 'statements', j.statementsPerPayment, null, null));
  }
  const c = inp.capacity.check;
  const wrong = c.lostEvents + c.transactionsBookedTwice + (c.transactions - c.journals) + (c.clearingDebits === c.expectedClearingDebits ? 0 : 1);
  rows.push(
    row(
      `whole pipeline: lost, unapplied or applied twice (of ${c.acknowledgedEvents} acked)`,
      'events',
      wrong,
      null,
      null,
      '0 lost, 0 applied twice',
      c.passed,
    ),
  );
  const base = r.functions.find((f) => f.id === 'hello');
  for (const f of r.functions) {
    if (f.id === 'hello') {
      rows.push(
        row(`cold start: hello-world${f.coldStartCpuMs ? ` (CPU ${f.coldStartCpuMs.p50} ms)` : ''}`, 'ms median', f.coldStartMs.p50, null, f.coldStartMs),
      );
      continue;
    }
    const value = f.coldStartMs.p50;
    const cpu =
      f.coldStartCpuMs && base?.coldStartCpuMs
        ? `; CPU ${f.coldStartCpuMs.p50} vs ${base.coldStartCpuMs.p50} ms, ${Math.round((f.coldStartCpuMs.p50 / base.coldStartCpuMs.p50) * 100) / 100}×`
        : '';
    rows.push(
      row(
        `cold start: ${f.id} (${f.probe}${cpu})`,
        'ms median',
        value,
        base?.coldStartMs.p50 ?? null,
        f.coldStartMs,
        '≤ 1.5× hello',
        base ? value / base.coldStartMs.p50 <= 1.5 : null,
      ),
    );
  }
  for (const f of r.functions) {
    const label = f.id === 'hello' ? 'hello-world' : f.id;
    // Under 150 MB before reaching the 10,000 requests proves nothing; over it already is a miss.
    const complete = f.rss.requests >= r.scale.rssRequests;
    const met = f.id === 'hello' ? null : f.rss.afterRequestsMb >= 150 ? false : complete ? true : null;
    const after = complete ? `${f.rss.requests} requests` : `${f.rss.requests}/${r.scale.rssRequests} requests (stopped at ${Math.round(f.rss.durationS)} s)`;
    rows.push(
      row(
        `RSS after ${after}: ${label}`,
        'MB',
        f.rss.afterRequestsMb,
        f.id === 'hello' ? null : (base?.rss.afterRequestsMb ?? null),
        null,
        f.id === 'hello' ? '' : '< 150 MB',
        met,
      ),
    );
  }
  return rows;
}

function label(kind: string): string {
  return { list: 'list', search: 'search ?q=legalizacion', searchUncached: 'search, cache missed' }[kind] ?? kind;
}

function costTable(r: BenchResults): string {
  const lines = ['| point | req/s | p99 ms | server CPU ms/req | PostgreSQL CPU ms/req |', '| --- | --: | --: | --: | --: |'];
  const add = (name: string, p: LoadResult) =>
    lines.push(`| ${name} | ${p.rps} | ${p.p99} | ${p.serverCpuMsPerRequest ?? '-'} | ${p.postgresCpuMsPerRequest ?? '-'} |`);
  for (const [key, p] of Object.entries(r.catalog.points)) add(`${r.catalog.services} services: ${key}`, p);
  for (const [key, p] of Object.entries(r.grown.points)) add(`${r.grown.services} services: ${key}`, p);
  add('declaration create@64', r.writes.declarationCreate);
  add('payment create@64', r.writes.paymentCreate);
  add('webhooks fn → Pub/Sub@64', r.webhooks.deployed.capacity);
  add('webhooks whole pipeline@64', r.webhooks.inProcess.capacity);
  return lines.join('\n');
}

export function renderDoc(r: BenchResults): string {
  const m = r.machine;
  const c = r.webhooks.inProcess.capacity.check;
  const i = r.webhooks.deployed.check;
  return [
    `Run of ${r.date.slice(0, 16).replace('T', ' ')} UTC${r.quick ? ' (**quick run**: shortened points, not results)' : ''} on ${m.nproc} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform};`,
    `load average ${m.loadAverageAtStart.join(' ')} at start, ${m.loadAverageAtEnd.join(' ')} at end. PostgreSQL ${r.database.version} (${r.database.kind}; fsync ${r.database.fsync}, synchronous_commit ${r.database.synchronousCommit}).`,
    `Points: ${r.scale.warmupS} s warm-up + ${r.scale.pointS} s measured; webhooks paced for ${r.scale.sustainedS} s; cold start median of ${r.scale.coldRuns}; RSS after ${r.scale.rssRequests} requests. Whole run ${r.durationsS.total} s.`,
    '',
    formatTable(r.rows ?? [], true),
    '',
    `**Cost per request** (CPU time of the server process and of ${r.database.kind === 'own cluster' ? "the bench's own PostgreSQL cluster (its postmaster and that postmaster's children)" : 'every `postgres` process on the machine (a shared cluster: not attributable)'}, divided by the requests of the point):`,
    '',
    costTable(r),
    '',
    `**Webhooks as deployed** (webhooks function → Pub/Sub emulator): ${i.acknowledgedEvents} acknowledged, ${i.storedEvents} stored, ${i.unpublished} left unpublished.`,
    '',
    '**Ledger after the whole-pipeline webhook point** (journals for acknowledged transactions, BANGE clearing debits against the amounts sent):',
    '',
    '| acked events | stored | transactions | journals | booked twice | clearing debits | expected | receipts | applied within | unpublished outbox | dead letters |',
    '| --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |',
    `| ${c.acknowledgedEvents} | ${c.storedEvents} | ${c.transactions} | ${c.journals} | ${c.transactionsBookedTwice} | ${c.clearingDebits} | ${c.expectedClearingDebits} | ${c.receipts} | ${c.drainMs} ms${c.drained ? '' : ' (stopped waiting)'} | ${c.unpublishedOutbox} | ${c.deadLetters} |`,
    '',
    `**Catalog query** (EXPLAIN (ANALYZE, TIMING OFF) of the repository's SQL, uncached): list ${r.catalog.explain.list.executionMs} ms → ${r.grown.explain.list.executionMs} ms and search ${r.catalog.explain.search.executionMs} ms → ${r.grown.explain.search.executionMs} ms from ${r.catalog.services} to ${r.grown.services} services.`,
  ].join('\n');
}
