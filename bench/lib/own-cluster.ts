/**
 * A PostgreSQL cluster of the bench's own (initdb in a temporary folder, pg_stat_statements loaded),
 * so that its CPU can be attributed: only its postmaster and that postmaster's children are counted.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { processCpuMs } from './load';

export interface OwnCluster {
  adminUrl: string;
  postmasterPid: number;
  /** utime + stime, in ms, of the postmaster and every process it started (backends, WAL writer, checkpointer…). */
  cpuMs(): number;
  stop(): Promise<void>;
}

// The bench is a command-line entry like scripts/: it reads where PostgreSQL's binaries are.
// eslint-disable-next-line no-restricted-properties
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

function parentOf(pid: string): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Starts a fresh cluster on `port` (fsync and synchronous_commit on, as Cloud SQL). As root, it runs as the `postgres` user. */
export async function startOwnCluster(options: { port: number; sharedBuffers?: string }): Promise<OwnCluster> {
  if (!existsSync(path.join(PG_BIN, 'initdb'))) throw new Error(`no initdb in ${PG_BIN}: set PG_BIN to PostgreSQL's bin folder`);
  const dir = mkdtempSync(path.join(tmpdir(), 'taxasge-bench-cluster-'));
  chmodSync(dir, 0o755);
  const asRoot = userInfo().uid === 0;
  const run = (cmd: string, args: string[]) => {
    if (!asRoot) return execFileSync(path.join(PG_BIN, cmd), args, { stdio: 'pipe' });
    const quoted = [path.join(PG_BIN, cmd), ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    return execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', quoted], { stdio: 'pipe' });
  };
  if (asRoot) {
    const { uid, gid } = JSON.parse(execFileSync('sh', ['-c', 'echo "{\\"uid\\":$(id -u postgres),\\"gid\\":$(id -g postgres)}"']).toString()) as {
      uid: number;
      gid: number;
    };
    chownSync(dir, uid, gid);
  }
  const data = path.join(dir, 'data');
  run('initdb', ['-D', data, '--auth=trust', '--encoding=UTF8', '--locale=C', '-U', 'postgres']);
  const settings = [
    `-p ${options.port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c shared_preload_libraries=pg_stat_statements',
    '-c pg_stat_statements.track=all',
    '-c max_connections=300',
    `-c shared_buffers=${options.sharedBuffers ?? '256MB'}`,
  ].join(' ');
  run('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-o', settings, '-w', 'start']);
  const postmasterPid = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${options.port}/postgres`,
    postmasterPid,
    cpuMs() {
      // The postmaster's own time plus that of its children already gone (cutime, cstime), plus the live ones.
      let total = processCpuMs(postmasterPid) ?? 0;
      try {
        const stat = readFileSync(`/proc/${postmasterPid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        total += ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
      } catch {
        // stopped
      }
      for (const entry of readdirSync('/proc')) {
        if (/^\d+$/.test(entry) && parentOf(entry) === postmasterPid) total += processCpuMs(Number(entry)) ?? 0;
      }
      return total;
    },
    async stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
