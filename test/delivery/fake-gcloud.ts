/** A stand-in for gcloud in tests: answers from recorded JSON fixtures, records every call and how many ran at once. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CommandResult, RunCommand } from '../../scripts/delivery/gcloud';

export const FIXTURES = path.join(__dirname, 'fixtures');

export function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

export interface FakeGcloud {
  run: RunCommand;
  calls: string[][];
  maxInFlight: number;
}

/** `answer` returns the recorded output for a command line, or undefined for "not found". */
export function fakeGcloud(answer: (args: string[]) => CommandResult | string | undefined, delayMs = 5): FakeGcloud {
  const fake: FakeGcloud = { calls: [], maxInFlight: 0, run: async () => ({ code: 0, stdout: '', stderr: '' }) };
  let inFlight = 0;
  fake.run = async (command, args) => {
    fake.calls.push([command, ...args]);
    inFlight++;
    fake.maxInFlight = Math.max(fake.maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, delayMs));
    inFlight--;
    if (command !== 'gcloud') return { code: 127, stdout: '', stderr: `${command}: not found` };
    const out = answer(args);
    if (out === undefined) return { code: 1, stdout: '', stderr: `ERROR: (gcloud.${args.slice(0, 3).join('.')}) NOT_FOUND: Resource not found` };
    return typeof out === 'string' ? { code: 0, stdout: out, stderr: '' } : out;
  };
  return fake;
}

/** Answers `run services describe` and `run revisions list` from fixtures/gcloud, update-traffic with success. */
export function cloudRunFixtures(args: string[]): string | undefined {
  const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const file = (name: string) => {
    try {
      return fixture(`gcloud/${name}`);
    } catch {
      return undefined;
    }
  };
  if (args[0] === 'run' && args[1] === 'services' && args[2] === 'describe') return file(`service-${args[3]}.json`);
  if (args[0] === 'run' && args[1] === 'revisions' && args[2] === 'list') return file(`revisions-${flag('service')}.json`);
  if (args[0] === 'run' && args[1] === 'services' && args[2] === 'update-traffic') return '';
  return undefined;
}
