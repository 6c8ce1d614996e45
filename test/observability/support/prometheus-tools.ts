/** Debian's promtool and Prometheus server, run by the observability tests; a missing binary fails, never skips. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findFreePort } from '../../../shared/adapters/db/embedded-postgres';

const INSTALL_HINT = "install it with `apt-get install -y prometheus` (Debian's package; `.ci/run` installs it before `npm test`)";

/** The path of a Prometheus binary on PATH, or an error saying how to get it. */
export function requireBinary(name: 'promtool' | 'prometheus', searchPath = process.env.PATH ?? ''): string {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  throw new Error(`${name} is not on PATH: ${INSTALL_HINT}`);
}

export interface ToolResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function promtool(args: string[], input?: string): ToolResult {
  const r = spawnSync(requireBinary('promtool'), args, { encoding: 'utf8', input, timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface PrometheusServer {
  url: string;
  /** GET on the HTTP API, parsed. */
  api<T = unknown>(pathAndQuery: string): Promise<T>;
  stop(): Promise<void>;
}

/** Starts a Prometheus server on a free port with this configuration, storage in a temporary folder. */
export async function startPrometheus(configYaml: string): Promise<PrometheusServer> {
  const bin = requireBinary('prometheus');
  const dir = mkdtempSync(path.join(tmpdir(), 'taxasge-prometheus-'));
  const config = path.join(dir, 'prometheus.yml');
  writeFileSync(config, configYaml);
  const port = await findFreePort();
  const output: string[] = [];
  const child: ChildProcess = spawn(
    bin,
    [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;

  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      process.kill(-child.pid, 'SIGTERM');
      const killer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited with ${child.exitCode}:\n${output.join('')}`);
    }
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus was not ready within 10 s:\n${output.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async api<T>(pathAndQuery: string) {
      const res = await fetch(url + pathAndQuery);
      return (await res.json()) as T;
    },
    stop,
  };
}
