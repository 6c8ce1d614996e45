/** The processes under test: the local server (`scripts/start.ts`) and single functions under the functions framework's CLI. */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { deployedNodeOptions } from '../../scripts/build';
import { topology, type HttpFunctionSpec } from '../../shared/topology/topology';

export const ROOT = path.resolve(__dirname, '../..');
const FRAMEWORK_CLI = path.join(ROOT, 'node_modules/@google-cloud/functions-framework/build/src/main.js');
/** The target of bench/hello: the baseline runs as the framework ships it, without the functions' NODE_OPTIONS. */
const BASELINE_TARGET = 'hello';
const DEFAULT_MEMORY = '256Mi';

/** A function's instance memory as Terraform deploys it (HTTP functions from the topology; event functions take the module's default). */
export function deployedMemory(id: string): string {
  return (topology.httpFunctions as Record<string, HttpFunctionSpec | undefined>)[id]?.memory ?? DEFAULT_MEMORY;
}

/**
 * The environment a function runs with as deployed: the NODE_OPTIONS Terraform sets for its memory
 * (terraform/modules/http-function/node-options.json), which its V8 code cache was built for. A
 * NODE_OPTIONS given to the bench (bench/run.ts passes its own on) replaces them, to try a setting
 * before proposing it: the build made no code cache for it unless node-options.json lists it. The
 * hello-world baseline runs as the framework ships it, without any.
 */
export function deployedEnvironment(target: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: given, ...rest } = env;
  if (target === BASELINE_TARGET) return rest;
  const nodeOptions = given ?? deployedNodeOptions()[deployedMemory(target)];
  return nodeOptions ? { ...rest, NODE_OPTIONS: nodeOptions } : rest;
}

export interface Probe {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** A fresh body per request (webhooks need a unique event id each time). */
  body?: () => { body: string; headers?: Record<string, string> };
}

export interface Started {
  child: ChildProcess;
  pid: number;
  port: number;
  url: string;
  /** Last lines the process wrote, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

function track(child: ChildProcess, port: number): Started {
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return {
    child,
    pid: child.pid!,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** Sends one request; resolves with its status (0 when the connection failed). */
export function send(port: number, probe: Probe): Promise<{ status: number; body: string }> {
  const extra = probe.body?.();
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: probe.method,
        path: probe.path,
        agent: false,
        headers: { ...probe.headers, ...extra?.headers, ...(extra ? { 'content-length': Buffer.byteLength(extra.body) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', () => resolve({ status: 0, body: '' }));
      },
    );
    req.on('error', () => resolve({ status: 0, body: '' }));
    if (extra) req.write(extra.body);
    req.end();
  });
}

/** Polls until the probe answers 2xx (HTTP functions 200, event functions may answer 204); returns ms since `since`. */
export async function waitFor200(started: Started, probe: Probe, since: number, timeoutMs = 30_000): Promise<number> {
  for (;;) {
    const { status, body } = await send(started.port, probe);
    if (status >= 200 && status < 300) return performance.now() - since;
    if (status !== 0) throw new Error(`${probe.method} ${probe.path} answered ${status} instead of 2xx: ${body.slice(0, 300)}\n${started.output()}`);
    if (started.child.exitCode !== null) throw new Error(`the process exited with ${started.child.exitCode}:\n${started.output()}`);
    if (performance.now() - since > timeoutMs) throw new Error(`no 200 from ${probe.path} within ${timeoutMs} ms:\n${started.output()}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** One function under the functions framework's CLI, as Cloud Run starts it (with its deployed NODE_OPTIONS); cold start = spawn → first 200 of the probe. */
export async function startFunction(
  target: string,
  source: string,
  port: number,
  env: NodeJS.ProcessEnv,
  probe: Probe,
): Promise<{ started: Started; coldStartMs: number }> {
  const childEnv = deployedEnvironment(target, env);
  const t0 = performance.now();
  const child = spawn(process.execPath, [FRAMEWORK_CLI, `--target=${target}`, `--source=${source}`, `--port=${port}`], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started = track(child, port);
  try {
    return { started, coldStartMs: await waitFor200(started, probe, t0) };
  } catch (err) {
    await started.stop();
    throw err;
  }
}

/** The whole backend in one process, exactly as `npm start` runs it (through tsx), on the bench's database. */
export async function startLocalServer(port: number, env: NodeJS.ProcessEnv, nodeArgs: string[] = [], root = ROOT): Promise<Started> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'scripts/start.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const started = track(child, port);
  await waitFor200(started, { method: 'GET', path: '/health/ready' }, t0, 60_000);
  return started;
}
