/** Signing keys for `npm start` when none are configured: generated once, kept in DATA_DIR so sessions survive restarts. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SigningKey } from '../../shared/domain/identity/key-ring';
import { generateSigningKey } from '../../shared/domain/identity/key-ring';

export function loadOrCreateLocalKeys(dataDir: string): SigningKey[] {
  const file = path.join(dataDir, 'signing-keys.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as SigningKey[];
  const keys = [generateSigningKey(`local-${new Date().toISOString().slice(0, 10)}`)];
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}
