import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { AddressInfo } from 'node:net';
import {
  errorRate,
  main,
  promote,
  smoke,
  smokeProbes,
  tagCandidates,
  taggedUrl,
  uploadTargets,
  watch,
  type Candidate,
  type ReleaseDeps,
} from '../../scripts/delivery/release';
import { loadInventory } from '../../scripts/delivery/terraform-inventory';
import { createTestApp, type TestApp } from '../support/test-app';
import { cloudRunFixtures, fakeGcloud, fixture } from './fake-gcloud';

const deps = (over: Partial<ReleaseDeps> = {}): ReleaseDeps & { lines: string[] } => {
  const lines: string[] = [];
  return {
    run: fakeGcloud(() => undefined).run,
    fetch: (...a) => fetch(...a),
    log: (l) => lines.push(l),
    sleep: async () => undefined,
    now: () => new Date('2026-11-23T10:15:00Z'),
    lines,
    ...over,
  };
};

describe('release steps', () => {
  let inventory: Awaited<ReturnType<typeof loadInventory>>;
  beforeAll(async () => {
    inventory = await loadInventory();
  });

  it('uploads only the sources and the migrations job with -target', () => {
    const targets = uploadTargets(inventory.catalogue);
    expect(targets).toContain('-target=module.stack.module.http_function["fiscal-services"].google_storage_bucket_object.source');
    expect(targets).toContain('-target=module.stack.module.event_function["apply-payment"].module.function.google_storage_bucket_object.source');
    expect(targets.at(-1)).toBe('-target=module.stack.module.migrations_job');
    expect(targets).toHaveLength(inventory.catalogue.httpFunctions.length + inventory.catalogue.eventFunctions.length + 1);
  });

  it('tags each new revision "candidate" and records what serves now', async () => {
    const catalogue = { ...inventory.catalogue, httpFunctions: ['fiscal-services', 'webhooks'], eventFunctions: [] };
    const gcloud = fakeGcloud(cloudRunFixtures);
    const d = deps({ run: gcloud.run });
    const candidates = await tagCandidates(inventory.environments.prod, catalogue, d);
    expect(candidates).toEqual([
      {
        service: 'fiscal-services',
        public: true,
        candidate: 'fiscal-services-00003-kez',
        serving: 'fiscal-services-00003-kez',
        url: 'https://candidate---fiscal-services-q3bwxk7zva-ew.a.run.app',
      },
      {
        service: 'webhooks',
        public: true,
        candidate: 'webhooks-00005-rox',
        serving: 'webhooks-00004-daj',
        url: 'https://candidate---webhooks-q3bwxk7zva-ew.a.run.app',
      },
    ]);
    expect(gcloud.calls.filter((c) => c[3] === 'update-traffic').map((c) => c.slice(4).join(' '))).toEqual([
      'fiscal-services --project=taxasge-prod --region=europe-west1 --update-tags=candidate=fiscal-services-00003-kez --quiet',
      'webhooks --project=taxasge-prod --region=europe-west1 --update-tags=candidate=webhooks-00005-rox --quiet',
    ]);
    expect(d.lines.join('\n')).toMatch(/webhooks\s+webhooks-00004-daj\s+webhooks-00005-rox\s+new revision/);
  });

  it('refuses a revision that did not become ready', async () => {
    const broken = JSON.parse(fixture('gcloud/service-payments.json'));
    broken.status.latestCreatedRevisionName = 'payments-00005-bad';
    const gcloud = fakeGcloud((args) => (args[2] === 'describe' ? JSON.stringify(broken) : cloudRunFixtures(args)));
    await expect(
      tagCandidates(inventory.environments.prod, { ...inventory.catalogue, httpFunctions: ['payments'], eventFunctions: [] }, deps({ run: gcloud.run })),
    ).rejects.toThrow('payments: the new revision payments-00005-bad is not ready (latest ready: payments-00004-tuv); see its logs before retrying');
  });

  it('moves traffic to changed candidates only, tagging what they replace "previous"', async () => {
    const gcloud = fakeGcloud(() => '');
    const candidates: Candidate[] = [
      { service: 'webhooks', public: true, candidate: 'webhooks-00005-rox', serving: 'webhooks-00004-daj', url: '' },
      { service: 'docs', public: true, candidate: 'docs-00002-aaa', serving: 'docs-00002-aaa', url: '' },
    ];
    const promoted = await promote(inventory.environments.staging, candidates, deps({ run: gcloud.run }));
    expect(promoted.map((c) => [c.service, c.promoted ?? false])).toEqual([
      ['webhooks', true],
      ['docs', false],
    ]);
    expect(gcloud.calls).toEqual([
      [
        'gcloud',
        'run',
        'services',
        'update-traffic',
        'webhooks',
        '--project=taxasge-staging',
        '--region=europe-west1',
        '--to-revisions=webhooks-00005-rox=100',
        '--update-tags=previous=webhooks-00004-daj',
        '--quiet',
      ],
    ]);
  });

  it('records which services moved when a traffic update fails', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'release-'));
    const state = path.join(dir, 'release.json');
    const candidates: Candidate[] = [
      { service: 'webhooks', public: true, candidate: 'webhooks-00005-rox', serving: 'webhooks-00004-daj', url: '' },
      { service: 'payments', public: true, candidate: 'payments-00005-new', serving: 'payments-00004-tuv', url: '' },
    ];
    writeFileSync(state, JSON.stringify(candidates));
    const gcloud = fakeGcloud((args) =>
      args[3] === 'payments' ? { code: 1, stdout: '', stderr: 'ERROR: (gcloud.run.services.update-traffic) ABORTED: conflict' } : '',
    );
    const d = deps({ run: gcloud.run });
    expect(await main(['promote', '--env', 'prod', '--state', state], d)).toBe(1);
    expect((JSON.parse(readFileSync(state, 'utf8')) as Candidate[]).map((c) => [c.service, c.promoted ?? false])).toEqual([
      ['webhooks', true],
      ['payments', false],
    ]);
    expect(d.lines.join('\n')).toContain('ABORTED: conflict');
  });

  it('tells the workflow where the environment lives', async () => {
    const d = deps();
    expect(await main(['info', '--env', 'prod'], d)).toBe(0);
    expect(d.lines[0]!.split('\n')).toEqual([
      'project=taxasge-prod',
      'region=europe-west1',
      'hosting_site=taxasge-prod',
      'image=europe-west1-docker.pkg.dev/taxasge-prod/taxasge/migrate',
      'migrations_job=taxasge-migrate',
    ]);
  });

  it('builds tagged URLs the way Cloud Run names them', () => {
    expect(taggedUrl('https://health-q3bwxk7zva-ew.a.run.app', 'candidate')).toBe('https://candidate---health-q3bwxk7zva-ew.a.run.app');
    expect(taggedUrl('https://health-731958240112.europe-west1.run.app', 'candidate')).toBe('https://candidate---health-731958240112.europe-west1.run.app');
  });

  it('counts requests and 5xx from a recorded Cloud Monitoring answer', async () => {
    const urls: string[] = [];
    const gcloud = fakeGcloud((args) => (args[0] === 'auth' ? 'ya29.token\n' : undefined));
    const d = deps({
      run: gcloud.run,
      fetch: async (url, init) => {
        urls.push(String(url));
        expect((init?.headers as Record<string, string>).authorization).toBe('Bearer ya29.token');
        return new Response(fixture('gcloud/monitoring-time-series.json'), { status: 200 });
      },
    });
    expect(await errorRate(inventory.environments.prod, ['webhooks', 'payments'], new Date('2026-11-23T10:13:00Z'), d)).toEqual({ total: 10312, errors: 12 });
    const query = new URL(urls[0]!);
    expect(query.pathname).toBe('/v3/projects/taxasge-prod/timeSeries');
    expect(query.searchParams.get('filter')).toBe(
      'metric.type="run.googleapis.com/request_count" AND resource.type="cloud_run_revision" AND resource.labels.service_name=one_of("webhooks","payments")',
    );
    expect(query.searchParams.get('interval.startTime')).toBe('2026-11-23T10:13:00.000Z');
  });

  it('watches for the given minutes and fails as soon as the 5xx rate is too high', async () => {
    const answers = [
      fixture('gcloud/monitoring-time-series.json'),
      JSON.stringify({
        timeSeries: [
          { metric: { labels: { response_code_class: '2xx' } }, points: [{ value: { int64Value: '900' } }] },
          { metric: { labels: { response_code_class: '5xx' } }, points: [{ value: { int64Value: '100' } }] },
        ],
      }),
    ];
    const sleeps: number[] = [];
    const make = () => {
      let i = 0;
      return deps({
        run: fakeGcloud(() => 'token').run,
        fetch: async () => new Response(answers[Math.min(i++, answers.length - 1)]!),
        sleep: async (ms) => void sleeps.push(ms),
      });
    };
    const failing = make();
    expect(await watch(inventory.environments.prod, ['webhooks'], { minutes: 5, maxErrorRate: 0.02, minRequests: 20 }, failing)).toBe(false);
    expect(failing.lines).toEqual([
      'minute 1/5: 12 5xx of 10312 requests (0.12 %)',
      'minute 2/5: 100 5xx of 1000 requests (10.00 %)',
      'error rate 10.00 % is above 2.00 %: roll back',
    ]);
    expect(sleeps).toEqual([60_000, 60_000]);
    const healthy = deps({ run: fakeGcloud(() => 'token').run, fetch: async () => new Response(answers[0]!) });
    expect(await watch(inventory.environments.prod, ['webhooks'], { minutes: 3, maxErrorRate: 0.02, minRequests: 20 }, healthy)).toBe(true);
    expect(healthy.lines.at(-1)).toBe('error rate stayed within 2.00 % for 3 minutes');
  });
});

describe('smoke tests against a running revision', () => {
  let app: TestApp;
  let base: string;
  beforeAll(async () => {
    app = await createTestApp({ env: { SERVICE_VERSION: '9b0d7e1' } });
    await new Promise<void>((r) => app.server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => app.server.close(r));
    await app.close();
  });
  const candidates = (): Candidate[] => [
    { service: 'health', public: true, candidate: 'health-00002-x', serving: 'health-00001-y', url: base },
    { service: 'fiscal-services', public: true, candidate: 'fiscal-services-00002-x', serving: 'fiscal-services-00001-y', url: base },
    { service: 'docs', public: true, candidate: 'docs-00002-x', serving: 'docs-00001-y', url: base },
    { service: 'jobs', public: false, candidate: 'jobs-00002-x', serving: 'jobs-00001-y', url: 'https://candidate---jobs.invalid' },
  ];

  it('pass on /health with the new version, /health/ready, a catalog query, and every public candidate', async () => {
    await request(app.server).get('/health').expect(200);
    const d = deps();
    expect(await smoke(candidates(), '9b0d7e1', d)).toBe(true);
    expect(smokeProbes(candidates(), '9b0d7e1').map((p) => p.name)).toEqual([
      'health /health',
      'health /health/ready',
      'fiscal-services catalog query',
      'docs answers',
    ]);
    expect(d.lines.at(-1)).toBe('not probed (private: invoked only by Pub/Sub or Cloud Scheduler): jobs');
  });

  it('fail when the revision serves another version', async () => {
    const d = deps();
    expect(await smoke(candidates(), 'c0ffee1', d)).toBe(false);
    expect(d.lines[0]).toMatch(/health \/health\s+200\s+serves version 9b0d7e1, expected c0ffee1/);
  });

  it('fail when a revision does not answer', async () => {
    const d = deps();
    const dead = candidates().map((c) => (c.service === 'docs' ? { ...c, url: 'http://127.0.0.1:9' } : c));
    expect(await smoke(dead, '9b0d7e1', d)).toBe(false);
    expect(d.lines[0]).toMatch(/docs answers\s+-\s+no answer: /);
  });
});

describe('the release CLI', () => {
  it('writes the candidates to --state and promotes from it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'release-'));
    const state = path.join(dir, 'release.json');
    const gcloud = fakeGcloud((args) => (args[2] === 'describe' ? fixture(`gcloud/service-${args[3] === 'webhooks' ? 'webhooks' : 'health'}.json`) : ''));
    const d = deps({ run: gcloud.run });
    expect(await main(['candidates', '--env', 'prod', '--state', state], d)).toBe(0);
    const written = JSON.parse(readFileSync(state, 'utf8')) as Candidate[];
    expect(written.find((c) => c.service === 'webhooks')).toMatchObject({ candidate: 'webhooks-00005-rox', serving: 'webhooks-00004-daj' });
    expect(await main(['promote', '--env', 'prod', '--state', state], d)).toBe(0);
    expect(gcloud.calls.filter((c) => c.some((a) => a.startsWith('--to-revisions='))).map((c) => c[4])).toEqual(['webhooks']);
    expect(
      await main(
        ['watch', '--env', 'prod', '--state', state, '--minutes', '1'],
        deps({ run: fakeGcloud(() => 'token').run, fetch: async () => new Response(fixture('gcloud/monitoring-time-series.json')) }),
      ),
    ).toBe(0);
  });

  it('prints the upload targets and refuses bad arguments', async () => {
    const d = deps();
    expect(await main(['upload-targets', '--env', 'dev'], d)).toBe(0);
    expect(d.lines[0]).toContain('-target=module.stack.module.migrations_job');
    const bad = deps();
    expect(await main(['deploy', '--env', 'qa'], bad)).toBe(2);
    expect(bad.lines.join('\n').split('\n').slice(0, 2)).toEqual(['unknown command "deploy"', '--env must be dev, staging or prod (got "qa")']);
  });
});
