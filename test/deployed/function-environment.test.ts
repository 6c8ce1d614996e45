/** The deployed shape's functions get the environment Terraform gives them: same variables, same secrets per function. */
import { functionEnvironment, LOCAL_STAND_INS, RUNTIME_SECRETS, type SharedSettings } from '../../scripts/deployed/function-environment';
import { loadTerraform, locals, type HclObject } from '../../scripts/delivery/terraform-config';
import { moduleAt } from '../../scripts/delivery/terraform-inventory';
import { topology, type FunctionId } from '../../shared/topology/topology';

const settings: SharedSettings = {
  projectId: 'taxasge-local',
  publicBaseUrl: 'http://localhost:8080',
  databaseUrl: 'postgres://x@127.0.0.1/db',
  dbPoolMax: 2,
  logLevel: 'info',
  dataDir: '/tmp/x',
  storageSecret: 's'.repeat(40),
  signingKeys: [],
  bangeApiUrl: 'http://127.0.0.1:1/sandbox/bange',
  pubsubEmulatorHost: '127.0.0.1:2',
  upstash: { url: 'http://127.0.0.1:3', token: 't' },
};

let stack: Map<string, unknown>;
beforeAll(async () => {
  stack = locals(moduleAt(await loadTerraform(), 'modules/stack'));
});

const ids = Object.keys({ ...topology.httpFunctions, ...topology.eventFunctions }) as FunctionId[];
/** Only configured secrets reach a function; locally those of Mailgun, Twilio and the metrics token stay unset. */
const UNSET_LOCALLY = ['MAILGUN_API_KEY', 'TWILIO_AUTH_TOKEN', 'METRICS_BEARER_TOKEN'];

it("sets every variable of Terraform's common environment, or names its local stand-in", () => {
  const terraform = Object.keys(stack.get('common_environment') as HclObject).sort();
  const env = functionEnvironment('auth', settings);
  expect(terraform.filter((name) => env[name] === undefined && !(name in LOCAL_STAND_INS))).toEqual([]);
  expect(Object.keys(LOCAL_STAND_INS).filter((name) => !terraform.includes(name))).toEqual([]);
});

it('reads the runtime secrets Terraform gives every function', () => {
  expect(RUNTIME_SECRETS).toEqual(stack.get('runtime_secrets'));
});

it.each(ids)('%s: gets exactly the secrets the topology grants it, and its K_SERVICE', (id) => {
  const secretNames = Object.keys(stack.get('secret_env') as HclObject);
  const env = functionEnvironment(id, settings);
  const granted = [...RUNTIME_SECRETS, ...({ ...topology.httpFunctions, ...topology.eventFunctions } as Record<string, { secrets: string[] }>)[id]!.secrets];
  const given = secretNames.filter((name) => env[name] !== undefined);
  expect(given.sort()).toEqual(granted.filter((name) => !UNSET_LOCALLY.includes(name)).sort());
  expect(env.K_SERVICE).toBe(id);
});
