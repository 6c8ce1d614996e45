/** Running gcloud (or any command) with an injectable runner, JSON output parsing, shell quoting and bounded parallelism. */
import { execFile } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one command; tests pass a fake that answers from recorded output. */
export type RunCommand = (command: string, args: string[]) => Promise<CommandResult>;

export const runCommand: RunCommand = (command, args) =>
  new Promise((resolve) => {
    execFile(command, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 127) : 0;
      resolve({ code, stdout: String(stdout), stderr: error && !stderr ? error.message : String(stderr) });
    });
  });

export class CommandError extends Error {
  constructor(
    readonly command: string[],
    readonly result: CommandResult,
  ) {
    super(`${shellLine(command)} failed (exit ${result.code}): ${result.stderr.trim().split('\n').slice(-3).join(' ') || 'no error output'}`);
    this.name = 'CommandError';
  }
}

/** Runs `gcloud <args> --format=json` and parses its output. */
export async function gcloudJson<T>(run: RunCommand, args: string[]): Promise<T> {
  const full = [...args, '--format=json'];
  const result = await run('gcloud', full);
  if (result.code !== 0) throw new CommandError(['gcloud', ...full], result);
  try {
    return JSON.parse(result.stdout || 'null') as T;
  } catch {
    throw new CommandError(['gcloud', ...full], { ...result, stderr: `expected JSON on stdout, got: ${result.stdout.slice(0, 200)}` });
  }
}

/** A command line as one would paste it into a POSIX shell. */
export function shellLine(command: string[]): string {
  return command.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Maps items with at most `limit` calls in flight, keeping the input order in the result. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** `--name value` and `--flag` arguments of a script; positional arguments are refused. */
export function parseFlags(
  argv: string[],
  known: { values: string[]; switches: string[] },
): { values: Record<string, string>; switches: Set<string>; errors: string[] } {
  const values: Record<string, string> = {};
  const switches = new Set<string>();
  const errors: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    const name = flag.replace(/^--/, '');
    if (!flag.startsWith('--')) errors.push(`unexpected argument "${arg}"`);
    else if (known.switches.includes(name)) switches.add(name);
    else if (known.values.includes(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined || value.startsWith('--')) errors.push(`${flag} needs a value`);
      else values[name] = value;
    } else errors.push(`unknown option ${flag}`);
  }
  return { values, switches, errors };
}

/** A plain text table, columns padded to their widest cell. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
