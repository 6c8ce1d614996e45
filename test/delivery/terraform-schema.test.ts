import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { loadProviderSchemas, PROVIDER_PACKAGES, type ProviderSchema } from '../../scripts/delivery/provider-schema';
import { checkSchemas, checkWiring, formatProblems } from '../../scripts/delivery/terraform-check';
import { loadTerraform, TERRAFORM_ROOT, type TfModule } from '../../scripts/delivery/terraform-config';
import { FIXTURES } from './fake-gcloud';

const ROOT = path.resolve(__dirname, '../..');
const TERRAFORM = process.env.TERRAFORM_BIN ?? 'terraform';

let schemas: Map<string, ProviderSchema>;
let modules: TfModule[];
beforeAll(async () => {
  schemas = loadProviderSchemas(ROOT);
  modules = await loadTerraform(TERRAFORM_ROOT);
});

describe('terraform fmt', () => {
  it('finds every file of terraform/ formatted', () => {
    const result = spawnSync(TERRAFORM, ['fmt', '-check', '-recursive', '-list=true', 'terraform'], { cwd: ROOT, encoding: 'utf8' });
    expect(result.error).toBeUndefined();
    expect(result.stdout.trim()).toBe('');
    expect(result.status).toBe(0);
  });

  it('fails on a badly formatted file', () => {
    const result = spawnSync(TERRAFORM, ['fmt', '-check', '-list=true', path.join(FIXTURES, 'terraform/unformatted')], { encoding: 'utf8' });
    expect(result.status).toBe(3);
    expect(result.stdout).toContain('main.tf');
  });
});

describe('provider schemas read from the jsii assemblies', () => {
  it('are google 6.50 with names as written in HCL', () => {
    const google = schemas.get('google')!;
    expect(google.version).toBe('6.50.0');
    const fn = google.resources.get('google_cloudfunctions2_function')!;
    expect([...fn.blocks.keys()]).toEqual(expect.arrayContaining(['build_config', 'service_config', 'event_trigger']));
    expect(fn.blocks.get('service_config')!.arguments).toContain('all_traffic_on_latest_revision');
    // cdktf renames some properties (sourceMd5Hash, buildAttribute): the registry anchor gives the real name.
    expect(google.resources.get('google_storage_bucket_object')!.arguments).toContain('source_md5hash');
    expect(google.resources.get('google_cloudbuild_trigger')!.blocks.has('build')).toBe(true);
    expect(google.dataSources.get('google_project')!.arguments).toContain('project_id');
  });
});

describe('the Terraform code against the provider schemas', () => {
  it('uses only resource types, arguments and blocks the providers have', () => {
    const result = checkSchemas(modules, schemas);
    expect(formatProblems(result.problems, ROOT)).toBe('');
    expect(result.checked).toBeGreaterThan(50);
  });

  it('lists what cannot be checked offline, each for want of its provider package', () => {
    const { unverified } = checkSchemas(modules, schemas);
    expect(unverified.map((u) => `${u.kind} ${u.type}`).sort()).toEqual([
      'data archive_file',
      'ephemeral random_password',
      'resource google_firebase_hosting_custom_domain',
      'resource google_firebase_hosting_site',
      'resource google_firebase_project',
    ]);
    for (const u of unverified.filter((x) => x.kind !== 'ephemeral')) expect(schemas.has(u.provider)).toBe(false);
    expect(Object.keys(PROVIDER_PACKAGES)).toEqual(expect.arrayContaining(['google-beta', 'archive', 'random']));
  });

  it('wires every module call, reference, variable and output', () => {
    expect(formatProblems(checkWiring(modules, schemas), ROOT)).toBe('');
  });

  it('fails on misspelled arguments, blocks, types and attributes', async () => {
    const broken = await loadTerraform(path.join(FIXTURES, 'terraform/broken'));
    const messages = [...checkSchemas(broken, schemas).problems, ...checkWiring(broken, schemas)].map((p) => `${p.where}: ${p.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'google_cloudfunctions2_function.misspelled.build_config.entry_ponit: unknown argument or block "entry_ponit" (did you mean "entry_point"?)',
        'google_cloudfunctions2_function.misspelled.service_config.dynamic "secret_enviroment_variables": no block "secret_enviroment_variables" here (did you mean "secret_environment_variables"?)',
        'google_cloudfunctions2_function.misspelled.lifecycle: unknown lifecycle argument "prevent_destroyed" (did you mean "prevent_destroy"?)',
        'google_pubsub_subscription.block_as_argument.dead_letter_policy: "dead_letter_policy" is a block: write dead_letter_policy { … }, not dead_letter_policy = …',
        'google_sql_database_instanse.unknown_type: unknown resource type "google_sql_database_instanse" in @cdktf/provider-google 6.50.0 (did you mean "google_sql_database_instance"?)',
        'broken/main.tf: data source google_project has no attribute "numbr" in ${data.google_project.this.numbr}',
        'broken/main.tf: google_pubsub_subscription has no attribute "nme" in ${google_pubsub_subscription.block_as_argument.nme}',
      ]),
    );
    expect(messages).toHaveLength(7);
  });

  it('fails on a module call that sets an unknown variable or misses a required one', async () => {
    const wiring = await loadTerraform(path.join(FIXTURES, 'terraform/wiring'));
    const messages = checkWiring(wiring, schemas).map((p) => `${p.where}: ${p.message}`);
    expect(messages.sort()).toEqual(
      [
        'module.child.neded: ../child has no variable "neded" (did you mean "needed"?)',
        'module.child: required variable "needed" of ../child is not set',
        'output.value: an output needs a description',
        'root/main.tf: module "child" has no output "valeu" (did you mean "value"?) in ${module.child.valeu}',
        'root/main.tf: undeclared variable "nothing" in ${var.nothing}',
        'root/main.tf: undefined local "nowhere" in ${local.nowhere}',
        'variable.untyped: a variable needs a type',
      ].sort(),
    );
  });
});
