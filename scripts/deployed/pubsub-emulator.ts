/** Starts the Pub/Sub emulator for one test file in its own process group, and stops the whole group. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { findFreePort } from '../../shared/adapters/db/embedded-postgres';

export interface PubSubEmulator {
  /** `127.0.0.1:<port>`, for `apiEndpoint` (or PUBSUB_EMULATOR_HOST). */
  host: string;
  projectId: string;
  /** Spawn to "Server started", for the record. */
  startupMs: number;
  stop(): Promise<void>;
}

export interface PubSubEmulatorOptions {
  projectId?: string;
  readyTimeoutMs?: number;
}

const LAUNCHER = path.join('platform', 'pubsub-emulator', 'bin', 'cloud-pubsub-emulator');

function requireJava(): void {
  const java = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (java.error) {
    throw new Error(
      `The Pub/Sub emulator needs Java on PATH and \`java -version\` failed (${java.error.message}). Install a JRE ≥ 11 (Debian: apt-get install default-jre-headless).`,
    );
  }
}

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The emulator's own launcher is ready in ~0.5-0.8 s against ~1.4 s through `gcloud beta emulators`
 * (whose output also reads "listening on <port>"), so it is preferred. The SDK root is derived from where `gcloud` really lives, which spares the
 * ~0.4 s of `gcloud info`; that command is the fallback for unusual layouts.
 */
function emulatorCommand(port: number): { command: string; args: string[] } {
  const gcloud = findOnPath('gcloud');
  if (!gcloud)
    throw new Error(
      'The Pub/Sub emulator ships with the Google Cloud CLI, and `gcloud` is not on PATH. Install it (https://cloud.google.com/sdk/docs/install), then `gcloud components install pubsub-emulator` (or the Debian package google-cloud-cli-pubsub-emulator).',
    );
  let launcher = path.join(path.dirname(path.dirname(realpathSync(gcloud))), LAUNCHER);
  if (!existsSync(launcher)) {
    const info = spawnSync(gcloud, ['info', '--format=value(installation.sdk_root)'], { encoding: 'utf8' });
    launcher = path.join(info.stdout?.trim() ?? '', LAUNCHER);
  }
  if (existsSync(launcher)) return { command: launcher, args: ['--host=127.0.0.1', `--port=${port}`] };
  return { command: gcloud, args: ['beta', 'emulators', 'pubsub', 'start', `--host-port=127.0.0.1:${port}`] };
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startPubSubEmulator(options: PubSubEmulatorOptions = {}): Promise<PubSubEmulator> {
  requireJava();
  const projectId = options.projectId ?? 'taxasge-test';
  const port = await findFreePort();
  const { command, args } = emulatorCommand(port);
  const started = Date.now();
  // Its own process group: gcloud runs java as a child and leaves it behind when killed alone.
  const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pgid = child.pid!;
  let output = '';
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exit.then(() => (exited = true));
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pgid, signal);
    } catch {
      // already gone
    }
  };
  // A test process that dies without stopping the emulator must not leave a java process behind.
  const onExit = () => killGroup('SIGKILL');
  process.once('exit', onExit);

  let ready = false;
  await new Promise<void>((resolve, reject) => {
    const fail = (why: string) => {
      if (ready) return;
      clearTimeout(timer);
      killGroup('SIGKILL');
      reject(new Error(`The Pub/Sub emulator (${command} ${args.join(' ')}) ${why}. Its output:\n${output.slice(-2000)}`));
    };
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
      if (!ready && output.includes(`listening on ${port}`)) {
        ready = true;
        clearTimeout(timer);
        resolve();
      }
    };
    const timer = setTimeout(() => fail(`was not ready within ${options.readyTimeoutMs ?? 20_000} ms`), options.readyTimeoutMs ?? 20_000);
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (err) => fail(`could not start: ${err.message}`));
    void exit.then(() => fail('exited before it was ready'));
  });
  const startupMs = Date.now() - started;

  return {
    host: `127.0.0.1:${port}`,
    projectId,
    startupMs,
    async stop() {
      process.removeListener('exit', onExit);
      if (!exited || groupAlive(pgid)) {
        killGroup('SIGTERM');
        const deadline = Date.now() + 3_000;
        while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
        if (groupAlive(pgid)) killGroup('SIGKILL');
      }
      await exit;
    },
  };
}
