/** One Cloud Function instance as Cloud Run runs it: the built folder under the functions framework's CLI, its own process and port. */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import path from 'node:path';

const NODE_MODULES = path.resolve(__dirname, '../../node_modules');
const FRAMEWORK_CLI = path.join(NODE_MODULES, '@google-cloud/functions-framework/build/src/main.js');

export interface FunctionProcessOptions {
  /** The function id, its framework target and its folder's name. */
  id: string;
  /** The built folder (`dist/functions/<id>`). */
  source: string;
  port: number;
  env: NodeJS.ProcessEnv;
  /** Each line the process writes. */
  onLine?: (line: string) => void;
  readyTimeoutMs?: number;
}

export interface FunctionProcess {
  id: string;
  port: number;
  url: string;
  child: ChildProcess;
  /** Its last lines of output, for error messages. */
  output(): string;
  /** SIGTERM (Cloud Run's notice), SIGKILL after the grace period. */
  stop(graceMs?: number): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startFunctionProcess(options: FunctionProcessOptions): Promise<FunctionProcess> {
  const { id, port } = options;
  const child = spawn(process.execPath, [FRAMEWORK_CLI, `--target=${id}`, `--source=${options.source}`, `--port=${port}`], {
    // Cloud Build installs the packages a folder's package.json names beside it; here they are the repository's.
    env: { ...options.env, PORT: String(port), NODE_PATH: NODE_MODULES },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let partial = '';
  const onData = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
    if (!options.onLine) return;
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line) options.onLine(line);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  while (!(await portOpen(port))) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`function ${id} exited (${child.exitCode ?? child.signalCode}) before listening:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`function ${id} did not listen on ${port} in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }

  return {
    id,
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(force);
    },
  };
}
