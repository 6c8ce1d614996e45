/** A real PostgreSQL in a child process, so a test can stop it and start it again on the same port. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

export interface PostgresProcess {
  url: string;
  stop(): Promise<void>;
}

export function startPostgresProcess(dataDir: string, port: number): Promise<PostgresProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'scripts/postgres.ts', '--data-dir', dataDir, '--port', String(port), '--fast'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /POSTGRES_URL=(\S+)/.exec(output);
      if (m) {
        child.stdout!.off('data', onData);
        resolve({
          url: m[1]!,
          stop: () =>
            new Promise<void>((done) => {
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => reject(new Error(`postgres process exited with ${code}:\n${output}`)));
  });
}
