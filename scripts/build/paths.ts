/** Where the build reads from: the repository root, and paths shown relative to it. */
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');

export function relative(file: string): string {
  return path.relative(ROOT, file) || '.';
}
