import { planRollback, rollbackServices, main, type Revision, type Service } from '../../scripts/rollback';
import { loadInventory } from '../../scripts/delivery/terraform-inventory';
import { cloudRunFixtures, fakeGcloud, fixture } from './fake-gcloud';

const target = { project: 'taxasge-prod', region: 'europe-west1' };
const load = (service: string) => ({
  service: JSON.parse(fixture(`gcloud/service-${service}.json`)) as Service,
  revisions: JSON.parse(fixture(`gcloud/revisions-${service}.json`)) as Revision[],
});

describe('which revision is "previous"', () => {
  it('prefers the revision the last promotion tagged "previous"', () => {
    const { service, revisions } = load('fiscal-services');
    expect(planRollback(service, revisions, target)).toEqual({
      service: 'fiscal-services',
      action: 'rollback',
      from: 'fiscal-services-00003-kez',
      to: 'fiscal-services-00002-vuq',
      rule: 'tagged "previous" by the last promotion',
      command: [
        'gcloud',
        'run',
        'services',
        'update-traffic',
        'fiscal-services',
        '--project=taxasge-prod',
        '--region=europe-west1',
        '--to-revisions=fiscal-services-00002-vuq=100',
        '--quiet',
      ],
    });
  });

  it('never picks a newer candidate that the smoke tests refused', () => {
    const { service, revisions } = load('webhooks');
    expect(planRollback(service, revisions, target)).toMatchObject({
      action: 'rollback',
      from: 'webhooks-00004-daj',
      to: 'webhooks-00003-pic',
      rule: 'newest ready revision older than the serving one',
    });
  });

  it('resolves traffic on "latest" and skips revisions that never became ready', () => {
    const { service, revisions } = load('payments');
    expect(planRollback(service, revisions, target)).toMatchObject({ action: 'rollback', from: 'payments-00004-tuv', to: 'payments-00002-hob' });
  });

  it('skips a service with a single revision', () => {
    const { service, revisions } = load('health');
    expect(planRollback(service, revisions, target)).toEqual({
      service: 'health',
      action: 'skip',
      from: 'health-00001-mup',
      reason: 'no earlier ready revision to go back to',
    });
  });

  it('ignores a stale "previous" tag that points at the serving revision', () => {
    const { service, revisions } = load('fiscal-services');
    const traffic = [
      { revisionName: 'fiscal-services-00002-vuq', percent: 100 },
      { revisionName: 'fiscal-services-00002-vuq', tag: 'previous' },
    ];
    const rolledBack: Service = { ...service, status: { ...service.status, traffic } };
    expect(planRollback(rolledBack, revisions, target)).toMatchObject({ from: 'fiscal-services-00002-vuq', to: 'fiscal-services-00001-lam' });
  });

  it('follows the revision with the most traffic when traffic is split', () => {
    const { service, revisions } = load('fiscal-services');
    const split: Service = {
      ...service,
      status: {
        traffic: [
          { revisionName: 'fiscal-services-00002-vuq', percent: 10 },
          { revisionName: 'fiscal-services-00003-kez', percent: 90 },
        ],
      },
    };
    expect(planRollback(split, revisions, target)).toMatchObject({ from: 'fiscal-services-00003-kez', to: 'fiscal-services-00002-vuq' });
  });

  it('skips a service that receives no traffic', () => {
    const { service, revisions } = load('health');
    expect(planRollback({ ...service, status: { traffic: [] } }, revisions, target)).toMatchObject({ action: 'skip', reason: 'no revision receives traffic' });
  });
});

describe('rolling back several services', () => {
  const services = ['fiscal-services', 'webhooks', 'payments', 'health'];

  it('runs the services in parallel within the limit and moves traffic where there is a previous revision', async () => {
    const gcloud = fakeGcloud(cloudRunFixtures, 20);
    const lines: string[] = [];
    const outcomes = await rollbackServices({ ...target, services, dryRun: false, concurrency: 2, run: gcloud.run, log: (l) => lines.push(l) });

    expect(outcomes.map((o) => [o.service, o.to, o.ok])).toEqual([
      ['fiscal-services', 'fiscal-services-00002-vuq', true],
      ['webhooks', 'webhooks-00003-pic', true],
      ['payments', 'payments-00002-hob', true],
      ['health', '-', true],
    ]);
    const updates = gcloud.calls.filter((c) => c[3] === 'update-traffic').map((c) => c.join(' '));
    expect(updates.sort()).toEqual([
      'gcloud run services update-traffic fiscal-services --project=taxasge-prod --region=europe-west1 --to-revisions=fiscal-services-00002-vuq=100 --quiet',
      'gcloud run services update-traffic payments --project=taxasge-prod --region=europe-west1 --to-revisions=payments-00002-hob=100 --quiet',
      'gcloud run services update-traffic webhooks --project=taxasge-prod --region=europe-west1 --to-revisions=webhooks-00003-pic=100 --quiet',
    ]);
    // Two services at a time, each reading its service and revisions at once: four calls in flight, never more.
    expect(gcloud.maxInFlight).toBe(4);
    expect(lines.join('\n')).toMatch(/rolled back 3 of 4 services in \d+\.\d s/);
    expect(lines.join('\n')).toContain('skipped: no earlier ready revision to go back to');
  });

  it('only prints the commands in a dry run', async () => {
    const gcloud = fakeGcloud(cloudRunFixtures);
    const lines: string[] = [];
    const outcomes = await rollbackServices({ ...target, services, dryRun: true, concurrency: 8, run: gcloud.run, log: (l) => lines.push(l) });

    expect(gcloud.calls.some((c) => c.includes('update-traffic'))).toBe(false);
    expect(outcomes.filter((o) => o.result.startsWith('dry run'))).toHaveLength(3);
    expect(lines).toContain(
      'would run: gcloud run services update-traffic webhooks --project=taxasge-prod --region=europe-west1 --to-revisions=webhooks-00003-pic=100 --quiet',
    );
  });

  it('reports a service gcloud cannot find, and the others still roll back', async () => {
    const gcloud = fakeGcloud(cloudRunFixtures);
    const outcomes = await rollbackServices({
      ...target,
      services: ['agent', 'webhooks'],
      dryRun: false,
      concurrency: 8,
      run: gcloud.run,
      log: () => undefined,
    });

    expect(outcomes[0]).toMatchObject({ service: 'agent', ok: false });
    expect(outcomes[0]!.result).toMatch(/^failed: gcloud run services describe agent .*NOT_FOUND/);
    expect(outcomes[1]).toMatchObject({ service: 'webhooks', to: 'webhooks-00003-pic', ok: true });
  });

  it('reports a failed traffic update', async () => {
    const gcloud = fakeGcloud((args) =>
      args[2] === 'update-traffic'
        ? { code: 1, stdout: '', stderr: 'ERROR: (gcloud.run.services.update-traffic) PERMISSION_DENIED: Permission run.services.update denied' }
        : cloudRunFixtures(args),
    );
    const [outcome] = await rollbackServices({ ...target, services: ['webhooks'], dryRun: false, concurrency: 1, run: gcloud.run, log: () => undefined });
    expect(outcome).toMatchObject({ ok: false });
    expect(outcome!.result).toContain('PERMISSION_DENIED');
  });
});

describe('npm run rollback', () => {
  it('rolls back every function of the environment named in the Terraform code', async () => {
    const gcloud = fakeGcloud(cloudRunFixtures, 1);
    const lines: string[] = [];
    const code = await main(['--env', 'prod', '--dry-run'], gcloud.run, (l) => lines.push(l));

    const described = gcloud.calls
      .filter((c) => c[3] === 'describe')
      .map((c) => c[4])
      .sort();
    const { catalogue } = await loadInventory();
    expect(described).toEqual([...catalogue.httpFunctions, ...catalogue.eventFunctions].sort());
    expect(described).toEqual(expect.arrayContaining(['fiscal-services', 'webhooks', 'jobs', 'apply-payment', 'notifications']));
    expect(gcloud.calls.every((c) => c.includes('--project=taxasge-prod') && c.includes('--region=europe-west1'))).toBe(true);
    expect(lines[0]).toBe('Dry run: rolling back prod (taxasge-prod, europe-west1)');
    // Functions without recorded revisions are reported as failures: the exit code says so.
    expect(code).toBe(1);
  });

  it('limits the rollback to --only', async () => {
    const gcloud = fakeGcloud(cloudRunFixtures, 1);
    const code = await main(['--env=staging', '--only', 'webhooks,health'], gcloud.run, () => undefined);
    expect(code).toBe(0);
    expect(gcloud.calls.filter((c) => c[3] === 'update-traffic').map((c) => c[4])).toEqual(['webhooks']);
    expect(gcloud.calls[0]).toContain('--project=taxasge-staging');
  });

  it.each([
    [['--env', 'qa'], '--env must be dev, staging or prod (got "qa")'],
    [[], '--env must be dev, staging or prod (got "")'],
    [['--env', 'prod', '--only', 'nope'], '--only names no function of the Terraform code: nope'],
    [['--env', 'prod', '--concurrency', '0'], '--concurrency must be a whole number ≥ 1'],
    [['prod'], 'unexpected argument "prod"'],
  ])('refuses %j', async (argv, message) => {
    const lines: string[] = [];
    const code = await main(argv, fakeGcloud(() => undefined).run, (l) => lines.push(l));
    expect(code).toBe(2);
    expect(lines.join('\n')).toContain(message);
  });
});
