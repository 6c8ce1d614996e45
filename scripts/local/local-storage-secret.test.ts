// The local storage secret: created once per DATA_DIR, private to its owner, the same on every start.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadOrCreateLocalStorageSecret } from './local-storage-secret';

describe('loadOrCreateLocalStorageSecret', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'taxasge-secret-')), 'data')));
  afterEach(() => rmSync(path.dirname(dataDir), { recursive: true, force: true }));

  it('creates 32 random bytes readable by the owner only, then returns the same secret', () => {
    const secret = loadOrCreateLocalStorageSecret(dataDir);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(path.join(dataDir, 'storage-secret')).mode & 0o777).toBe(0o600);
    expect(loadOrCreateLocalStorageSecret(dataDir)).toBe(secret);
  });

  it('gives every DATA_DIR its own secret', () => {
    const other = path.join(path.dirname(dataDir), 'other');
    expect(loadOrCreateLocalStorageSecret(dataDir)).not.toBe(loadOrCreateLocalStorageSecret(other));
  });
});
