import { randomUUID } from 'node:crypto';

/** Identifier generation as a dependency, so tests can make ids predictable. */
export interface IdGenerator {
  uuid(): string;
}

export const randomIds: IdGenerator = { uuid: () => randomUUID() };

export function createSequentialIds(prefix = '00000000-0000-4000-8000-'): IdGenerator {
  let n = 0;
  return { uuid: () => `${prefix}${(++n).toString(16).padStart(12, '0')}` };
}
