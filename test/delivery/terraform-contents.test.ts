import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { mappingProblems, policyFields } from '../../scripts/delivery/alert-policy-mapping';
import { loadProviderSchema, type ProviderSchema } from '../../scripts/delivery/provider-schema';
import { bodies, labelled, loadTerraform, locals, strings, TERRAFORM_ROOT, type HclObject, type TfModule } from '../../scripts/delivery/terraform-config';
import { topology } from '../../shared/topology/topology';
import { ENVIRONMENTS, moduleAt, readCatalogue, readEnvironment, type Catalogue } from '../../scripts/delivery/terraform-inventory';
import { readRewrites } from '../../scripts/local/rewrites';
import { jobsRoutes } from '../../shared/api/jobs.routes';
import { FIXTURES } from './fake-gcloud';

const ROOT = path.resolve(__dirname, '../..');
const MODULES = ['http-function', 'event-function', 'pubsub', 'cloud-sql', 'secrets', 'migrations-job', 'scheduler', 'hosting', 'monitoring', 'iam'];

let modules: TfModule[];
let catalogue: Catalogue;
let google: ProviderSchema;
beforeAll(async () => {
  modules = await loadTerraform(TERRAFORM_ROOT);
  catalogue = readCatalogue(modules);
  google = loadProviderSchema('@cdktf/provider-google', ROOT)!;
});

const resource = (dir: string, type: string, name: string): HclObject => {
  const found = labelled(moduleAt(modules, dir), 'resource').find((r) => r.type === type && r.label === name);
  if (!found) throw new Error(`${dir} has no ${type}.${name}`);
  return found.body;
};
const block = (body: HclObject, ...names: string[]): HclObject => names.reduce((b, n) => bodies(b[n])[0] ?? {}, body);

describe('functions', () => {
  it('include every folder of functions/ and every functionId of firebase.json', () => {
    const terraform = [...catalogue.httpFunctions, ...catalogue.eventFunctions];
    const folders = readdirSync(path.join(ROOT, 'functions'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect(folders.length).toBeGreaterThan(0);
    expect(folders.filter((f) => !terraform.includes(f))).toEqual([]);
    const functionIds = [...new Set(readRewrites().map((r) => r.functionId))];
    expect(functionIds.filter((id) => !terraform.includes(id))).toEqual([]);
  });

  it('are public exactly for the functionIds of firebase.json, in the region the rewrites name', () => {
    const config = JSON.parse(readFileSync(path.join(ROOT, 'firebase.json'), 'utf8')) as {
      hosting: { rewrites: { function: { functionId: string; region: string } }[] };
    };
    expect([...catalogue.publicHttpFunctions].sort()).toEqual([...new Set(config.hosting.rewrites.map((r) => r.function.functionId))].sort());
    expect(catalogue.httpFunctions.filter((id) => !catalogue.publicHttpFunctions.includes(id))).toEqual(['jobs']);
    const regions = new Set(config.hosting.rewrites.map((r) => r.function.region));
    for (const env of ENVIRONMENTS) expect([...regions]).toEqual([readEnvironment(modules, env).region]);
  });

  it("are gen2 on Node 22, built from npm run build's folder, with SERVICE_VERSION and their own secrets", () => {
    const fn = resource('modules/http-function', 'google_cloudfunctions2_function', 'this');
    const vars = locals(moduleAt(modules, 'modules/stack'));
    const variables = Object.fromEntries(labelled(moduleAt(modules, 'modules/http-function'), 'variable').map((v) => [v.label, v.body]));
    expect(variables.runtime!.default).toBe('nodejs22');
    expect(block(fn, 'build_config').runtime).toBe('${var.runtime}');
    expect(block(fn, 'build_config', 'source', 'storage_source').object).toBe('${google_storage_bucket_object.source.name}');
    expect(block(fn, 'service_config').environment_variables).toContain('SERVICE_VERSION = var.service_version');
    expect(labelled(moduleAt(modules, 'modules/http-function'), 'data')[0]).toMatchObject({ type: 'archive_file', body: { source_dir: '${var.source_dir}' } });
    const stackCalls = labelled(moduleAt(modules, 'modules/stack'), 'module');
    for (const name of ['http_function', 'event_function']) {
      expect(stackCalls.find((m) => m.label === name)!.body.source_dir).toBe('${local.repo_root}/dist/functions/${each.key}');
    }
    expect(vars.has('secret_env')).toBe(true);
  });

  it('run with the V8 heap sized to their memory, from the NODE_OPTIONS table the build makes code caches for', () => {
    const fn = resource('modules/http-function', 'google_cloudfunctions2_function', 'this');
    expect(block(fn, 'service_config').environment_variables).toContain('{ NODE_OPTIONS = local.node_options }');
    const node = locals(moduleAt(modules, 'modules/http-function')).get('node_options');
    expect(typeof node).toBe('string');
    expect(node).toContain('file("${path.module}/node-options.json")).byMemory, var.memory');
    const table = JSON.parse(readFileSync(path.join(TERRAFORM_ROOT, 'modules/http-function/node-options.json'), 'utf8')) as {
      byMemory: Record<string, string>;
    };
    // Every memory a function is deployed with has its flags (else it would run with V8's defaults and no code cache).
    const memories = new Set([...Object.values(topology.httpFunctions).map((f) => f.memory), '256Mi']);
    expect(memories.has('512Mi')).toBe(true);
    for (const memory of memories)
      expect({ memory, flags: table.byMemory[memory] }).toEqual({
        memory,
        flags: expect.stringMatching(/^(--max-old-space-size=\d+ )?--max-semi-space-size=\d+$/),
      });
    const eventFunction = labelled(moduleAt(modules, 'modules/event-function'), 'module').find((m) => m.label === 'function')!;
    expect(eventFunction.body.node_options).toBe('${var.node_options}');
  });

  it('deploy new revisions without traffic until the pipeline moves it', () => {
    const fn = resource('modules/http-function', 'google_cloudfunctions2_function', 'this');
    expect(block(fn, 'service_config').all_traffic_on_latest_revision).toBe('${var.new_revisions_get_traffic}');
    const variable = labelled(moduleAt(modules, 'modules/http-function'), 'variable').find((v) => v.label === 'new_revisions_get_traffic')!;
    expect(variable.body.default).toBe(false);
  });
});

describe('events', () => {
  it('have the topics of product.md, one subscription per concern, and receipts and messages only for applied payments', () => {
    expect([...catalogue.topics].sort()).toEqual(['declaration-events', 'document-uploads', 'notifications', 'payment-applied', 'payment-events']);
    const on = (topic: string) =>
      Object.entries(catalogue.subscriptions)
        .filter(([, s]) => s.topic === topic)
        .map(([name]) => name)
        .sort();
    expect(on('payment-events')).toEqual(['apply-payment']);
    expect(on('payment-applied')).toEqual(['issue-receipt', 'notify-payer']);
    expect(on('document-uploads')).toEqual(['process-document']);
    expect(on('notifications')).toEqual(['send-notices']);
    for (const [name, s] of Object.entries(catalogue.subscriptions)) {
      expect([name, catalogue.topics.includes(s.topic), catalogue.eventFunctions.includes(s.function)]).toEqual([name, true, true]);
    }
    for (const topic of catalogue.topics) expect(Object.values(catalogue.subscriptions).some((s) => s.topic === topic)).toBe(true);
    const consumers = catalogue.eventFunctions.filter((fn) => fn !== topology.deadLetters.function);
    for (const fn of consumers) expect(Object.values(catalogue.subscriptions).some((s) => s.function === fn)).toBe(true);
  });

  it("retry, and dead-letter to a topic per subscription that Pub/Sub's agent may publish to", () => {
    const push = resource('modules/pubsub', 'google_pubsub_subscription', 'push');
    expect(push.for_each).toBe('${var.subscriptions}');
    expect(block(push, 'dead_letter_policy').dead_letter_topic).toBe('${google_pubsub_topic.dead_letter[each.key].id}');
    expect(block(push, 'retry_policy').minimum_backoff).toBe('${each.value.minimum_backoff}');
    expect(block(push, 'push_config', 'oidc_token').service_account_email).toBe('${var.push_service_account_email}');
    expect(resource('modules/pubsub', 'google_pubsub_topic_iam_member', 'dead_letter_publisher')).toMatchObject({
      role: 'roles/pubsub.publisher',
      member: '${local.pubsub_service_agent}',
    });
    expect(resource('modules/pubsub', 'google_pubsub_subscription_iam_member', 'dead_letter_forwarder')).toMatchObject({
      role: 'roles/pubsub.subscriber',
      member: '${local.pubsub_service_agent}',
    });
    expect(locals(moduleAt(modules, 'modules/pubsub')).get('pubsub_service_agent')).toBe(
      'serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com',
    );
  });

  it('take their retry policy from the topology and push every dead letter to the function that records it', () => {
    const call = labelled(moduleAt(modules, 'modules/stack'), 'module').find((m) => m.label === 'pubsub')!.body;
    for (const field of ['maxDeliveryAttempts', 'minimumBackoff', 'maximumBackoff']) expect(String(call.subscriptions)).toContain(`local.delivery.${field}`);
    expect(call.dead_letter_retention_duration).toBe('${local.delivery.deadLetterRetention}');
    expect(JSON.stringify(call.dead_letters)).toContain('module.event_function[local.dead_letter_function]');
    const dead = resource('modules/pubsub', 'google_pubsub_subscription', 'dead_letter');
    expect(block(dead, 'push_config').push_endpoint).toBe('${var.dead_letters.push_endpoints[each.key]}');
    expect(locals(moduleAt(modules, 'modules/stack')).get('topology')).toBe('${jsondecode(file("${local.repo_root}/shared/topology/topology.json"))}');
    expect(topology.delivery.maxDeliveryAttempts).toBeGreaterThanOrEqual(5);
  });
});

describe('dashboards and alert policies', () => {
  const monitoring = () => moduleAt(modules, 'modules/monitoring');

  it('are every *.json of dashboards/ and alerting/, through fileset', () => {
    const l = locals(monitoring());
    expect(l.get('dashboards')).toContain('fileset(var.dashboards_dir, "*.json")');
    expect(l.get('policies')).toContain('fileset(var.alerting_dir, "*.json")');
    expect(resource('modules/monitoring', 'google_monitoring_dashboard', 'this').for_each).toBe('${local.dashboards}');
    expect(resource('modules/monitoring', 'google_monitoring_alert_policy', 'this').for_each).toBe('${local.policies}');
    const call = labelled(moduleAt(modules, 'modules/stack'), 'module').find((m) => m.label === 'monitoring')!.body;
    const repoRoot = path.resolve(TERRAFORM_ROOT, 'modules/stack', '../../..');
    expect(call.dashboards_dir).toBe('${local.repo_root}/dashboards');
    expect(call.alerting_dir).toBe('${local.repo_root}/alerting');
    expect(locals(moduleAt(modules, 'modules/stack')).get('repo_root')).toBe('${abspath("${path.module}/../../..")}');
    expect(repoRoot).toBe(ROOT);
  });

  it('route by userLabels.severity: critical to PagerDuty, warning to Slack', () => {
    const channels = locals(monitoring()).get('channels_by_severity');
    expect(channels).toEqual({
      critical: ['${google_monitoring_notification_channel.pagerduty.id}'],
      warning: ['${google_monitoring_notification_channel.slack.id}'],
    });
    expect(resource('modules/monitoring', 'google_monitoring_notification_channel', 'pagerduty').type).toBe('pagerduty');
    expect(resource('modules/monitoring', 'google_monitoring_notification_channel', 'slack').type).toBe('slack');
    expect(block(resource('modules/monitoring', 'google_monitoring_notification_channel', 'pagerduty'), 'sensitive_labels').service_key).toBe(
      '${data.google_secret_manager_secret_version.pagerduty.secret_data}',
    );
  });

  const policyFiles = () =>
    [path.join(ROOT, 'alerting'), path.join(FIXTURES, 'monitoring/alerting')]
      .filter((d) => existsSync(d))
      .flatMap((d) =>
        readdirSync(d)
          .filter((f) => f.endsWith('.json'))
          .map((f) => path.join(d, f)),
      );

  it('map every field used in the alert policy JSON onto the argument of the same name', () => {
    const schema = google.resources.get('google_monitoring_alert_policy')!;
    const body = resource('modules/monitoring', 'google_monitoring_alert_policy', 'this');
    const files = policyFiles();
    expect(files.length).toBeGreaterThanOrEqual(3);
    const problems = files.flatMap((f) => mappingProblems(path.relative(ROOT, f), JSON.parse(readFileSync(f, 'utf8')), schema, body));
    expect(problems).toEqual([]);
    // The fixtures exercise threshold (with ratio), absent and PromQL conditions, documentation links and the strategy.
    const used = new Set(files.flatMap((f) => policyFields(JSON.parse(readFileSync(f, 'utf8')), schema).map((u) => u.hcl)));
    for (const hcl of [
      'conditions.condition_threshold.denominator_aggregations.group_by_fields',
      'conditions.condition_absent.trigger.percent',
      'conditions.condition_prometheus_query_language.labels',
      'documentation.links.url',
      'alert_strategy.notification_rate_limit.period',
    ]) {
      expect(used).toContain(hcl);
    }
  });

  it('catch a field the module does not map, or maps from the wrong field', () => {
    const schema = google.resources.get('google_monitoring_alert_policy')!;
    const body = resource('modules/monitoring', 'google_monitoring_alert_policy', 'this');
    const policy = {
      displayName: 'x',
      userLabels: { severity: 'warning' },
      conditions: [{ displayName: 'c', conditionSql: { query: 'SELECT 1' }, conditionThreshold: { filter: 'f', thresholdValu: 1 } }],
    };
    expect(mappingProblems('p.json', policy, schema, body)).toEqual([
      'p.json: conditions.conditionSql is not mapped: the monitoring module sets no conditions.condition_sql',
      'p.json: conditions.conditionSql.query is not mapped: the monitoring module sets no conditions.condition_sql.query',
      'p.json: conditions.conditionThreshold.thresholdValu has no counterpart "conditions.condition_threshold.threshold_valu" in google_monitoring_alert_policy',
    ]);
    const swapped = JSON.parse(JSON.stringify(body)) as HclObject;
    const threshold = ((swapped.dynamic as HclObject).conditions as HclObject[])[0]!.content as HclObject[];
    const content = (((threshold[0]!.dynamic as HclObject).condition_threshold as HclObject[])[0]!.content as HclObject[])[0]!;
    content.comparison = '${try(condition_threshold.value.thresholdValue, null)}';
    expect(
      mappingProblems(
        'q.json',
        { displayName: 'x', conditions: [{ displayName: 'c', conditionThreshold: { filter: 'f', comparison: 'COMPARISON_GT' } }] },
        schema,
        swapped,
      ),
    ).toEqual([
      'q.json: conditions.condition_threshold.comparison is set from "${try(condition_threshold.value.thresholdValue, null)}", which does not read comparison',
    ]);
  });

  it('create every SLO the alert policies burn-rate on', () => {
    const service = resource('modules/monitoring', 'google_monitoring_custom_service', 'api').service_id;
    const slos = ['availability', 'latency'].map(
      (id) => `projects/__PROJECT_ID__/services/${service}/serviceLevelObjectives/${resource('modules/monitoring', 'google_monitoring_slo', id).slo_id}`,
    );
    const referenced = policyFiles().flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/select_slo_[a-z_]+\(\\"([^\\]+)\\"/g)].map((m) => m[1]!));
    expect(referenced.length).toBeGreaterThan(0);
    expect([...new Set(referenced)].filter((name) => !slos.includes(name))).toEqual([]);
  });

  it('carry an uptime check on /health and SLOs for availability and latency', () => {
    const uptime = resource('modules/monitoring', 'google_monitoring_uptime_check_config', 'health');
    expect(block(uptime, 'http_check').path).toBe('${var.uptime_path}');
    const variables = Object.fromEntries(labelled(monitoring(), 'variable').map((v) => [v.label, v.body]));
    expect(variables.uptime_path!.default).toBe('/health');
    expect(resource('modules/monitoring', 'google_monitoring_slo', 'availability').slo_id).toBe('availability');
    expect(resource('modules/monitoring', 'google_monitoring_slo', 'latency').slo_id).toBe('latency');
  });
});

describe('database, migrations job, schedules, identities', () => {
  it('run PostgreSQL 15 on a private IP with daily backups kept 30 days, PITR and deletion protection', () => {
    const sql = resource('modules/cloud-sql', 'google_sql_database_instance', 'this');
    expect(sql).toMatchObject({ database_version: 'POSTGRES_15', deletion_protection: true });
    expect(block(sql, 'settings').deletion_protection_enabled).toBe(true);
    expect(block(sql, 'settings', 'ip_configuration').ipv4_enabled).toBe(false);
    expect(block(sql, 'settings', 'backup_configuration')).toMatchObject({ enabled: true, point_in_time_recovery_enabled: true });
    const variables = Object.fromEntries(labelled(moduleAt(modules, 'modules/cloud-sql'), 'variable').map((v) => [v.label, v.body]));
    expect(variables.retained_backups!.default).toBe(30);
    expect(block(sql, 'settings', 'backup_configuration', 'backup_retention_settings').retained_backups).toBe('${var.retained_backups}');
  });

  it('keep prod recoverable from the loss of its region: a promotable replica and the backups in another region', () => {
    const replica = resource('modules/cloud-sql', 'google_sql_database_instance', 'replica');
    expect(replica).toMatchObject({
      master_instance_name: '${google_sql_database_instance.this.name}',
      region: '${var.replica_region}',
      deletion_protection: true,
    });
    expect(block(replica, 'settings', 'ip_configuration').ipv4_enabled).toBe(false);
    expect(block(resource('modules/cloud-sql', 'google_sql_database_instance', 'this'), 'settings', 'backup_configuration').location).toContain(
      'var.backup_location',
    );
    const [dev, staging, prod] = ENVIRONMENTS.map((e) => readEnvironment(modules, e));
    expect(prod!.stack).toMatchObject({ db_replica_region: 'europe-west4', db_backup_location: 'europe-west4' });
    expect(prod!.stack.db_replica_region).not.toBe(prod!.region);
    for (const e of [dev!, staging!]) expect([e.name, 'db_replica_region' in e.stack]).toEqual([e.name, false]);
  });

  it('run the migrations job once, never retried, with node index.js up', () => {
    const job = resource('modules/migrations-job', 'google_cloud_run_v2_job', 'this');
    const template = block(job, 'template', 'template');
    expect(template.max_retries).toBe(0);
    expect(block(template, 'containers')).toMatchObject({ command: ['node'], args: ['index.js', 'up'] });
  });

  it('schedule the jobs with OIDC tokens, on the private jobs function, for every job route it serves', () => {
    // Which jobs exist is the topology's to say (test/topology.test.ts ties them to the routes both ways).
    expect(Object.keys(catalogue.scheduledJobs).length).toBeGreaterThan(0);
    for (const [name, job] of Object.entries(catalogue.scheduledJobs)) {
      expect([name, job.function, catalogue.publicHttpFunctions.includes(job.function)]).toEqual([name, 'jobs', false]);
    }
    const scheduledPaths = Object.values(catalogue.scheduledJobs).map((j) => j.path);
    expect(jobsRoutes.map((r) => r.path).filter((p) => !scheduledPaths.includes(p))).toEqual([]);
    const scheduled = resource('modules/scheduler', 'google_cloud_scheduler_job', 'this');
    expect(block(scheduled, 'http_target', 'oidc_token').service_account_email).toBe('${var.service_account_email}');
  });

  it('give GitHub Actions of this repository alone a federated identity, and create no key', () => {
    const provider = resource('modules/iam', 'google_iam_workload_identity_pool_provider', 'github');
    expect(provider.attribute_condition).toContain("assertion.repository == '${var.github_repository}'");
    expect(block(provider, 'oidc').issuer_uri).toBe('https://token.actions.githubusercontent.com');
    const types = modules.flatMap((m) => labelled(m, 'resource').map((r) => r.type));
    expect(types).not.toContain('google_service_account_key');
    expect(types.filter((t) => t === 'google_service_account').length).toBeGreaterThan(0);
    expect(resource('modules/iam', 'google_service_account', 'functions').for_each).toBe('${toset(var.function_ids)}');
  });
});

describe('modules and environments', () => {
  it('have main, variables, outputs and versions, pinning the google providers to ~> 6.50', () => {
    for (const name of [...MODULES, 'stack']) {
      const dir = path.join(TERRAFORM_ROOT, 'modules', name);
      expect([
        name,
        readdirSync(dir)
          .filter((f) => f.endsWith('.tf'))
          .sort(),
      ]).toEqual([name, expect.arrayContaining(['main.tf', 'outputs.tf', 'variables.tf', 'versions.tf'])]);
      const module = moduleAt(modules, `modules/${name}`);
      const providers = module.files.flatMap((f) => bodies(f.json.terraform)).flatMap((t) => bodies(t.required_providers));
      const pins = Object.assign({}, ...providers) as Record<string, { source: string; version: string }>;
      const used = strings(module.files.map((f) => f.json)).some((s) => s.includes('google-beta')) ? ['google-beta'] : [];
      for (const p of ['google', ...used].filter((p) => p in pins || p === 'google-beta')) {
        expect([name, p, pins[p]]).toEqual([name, p, { source: `hashicorp/${p}`, version: '~> 6.50' }]);
      }
    }
  });

  it('give each environment its own state bucket and project in europe-west1, and their own sizes', () => {
    const envs = ENVIRONMENTS.map((e) => readEnvironment(modules, e));
    expect(new Set(envs.map((e) => e.stateBucket)).size).toBe(3);
    expect(new Set(envs.map((e) => e.projectId)).size).toBe(3);
    for (const e of envs) {
      expect(e.region).toBe('europe-west1');
      expect(e.stateBucket).toBe(`${e.projectId}-tfstate`);
      for (const setting of ['cors_origins', 'log_level', 'db_pool_max', 'default_max_instances', 'db_max_connections'])
        expect([e.name, setting, setting in e.stack]).toEqual([e.name, setting, true]);
    }
    const [dev, , prod] = envs;
    expect(dev!.stack.db_max_connections).toBeLessThan(prod!.stack.db_max_connections as number);
    expect(dev!.stack.log_level).toBe('debug');
    expect(prod!.stack.db_availability_type).toBe('REGIONAL');
    expect(prod!.stack.cors_origins).not.toEqual(dev!.stack.cors_origins);
  });

  it("fit every function's connections into the database, as modules/cloud-sql's precondition demands", () => {
    const all = [...catalogue.httpFunctions, ...catalogue.eventFunctions];
    for (const env of ENVIRONMENTS) {
      const { stack } = readEnvironment(modules, env);
      const overrides = (stack.max_instances ?? {}) as Record<string, number>;
      expect(Object.keys(overrides).filter((id) => !all.includes(id))).toEqual([]);
      const needed = all.reduce((sum, id) => sum + (overrides[id] ?? (stack.default_max_instances as number)) * (stack.db_pool_max as number), 0) + 1;
      expect([env, needed + 10 <= (stack.db_max_connections as number)]).toEqual([env, true]);
    }
  });
});
