/**
 * Everything the code under test prints (stdout and the console), kept instead of shown, for tests
 * that check nothing secret is printed. Call it in `beforeEach`; `jest.restoreAllMocks()` undoes it.
 */
export function captureOutput(): string[] {
  const output: string[] = [];
  const keep = (...args: unknown[]) => void output.push(args.map(String).join(' '));
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (keep(chunk), true));
  for (const m of ['log', 'info', 'warn', 'error'] as const) jest.spyOn(console, m).mockImplementation(keep);
  return output;
}
