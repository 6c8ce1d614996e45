/**
 * The API reference as a browser shows it: headless Chromium (Debian's `chromium`), cut off from
 * every host but this server, renders /api/v1/docs with every route; a screenshot is kept as a test
 * artefact (artifacts/api-reference.png; CI uploads it).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { apiRoutes } from '../shared/api';
import { createTestApp, type TestApp } from './support/test-app';

const ROOT = path.resolve(__dirname, '..');
export const SCREENSHOT = path.join(ROOT, 'artifacts', 'api-reference.png');

/** The browser: $CHROMIUM, else the first of the usual names on PATH. */
function findChromium(): string {
  const candidates = process.env.CHROMIUM ? [process.env.CHROMIUM] : ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
  for (const name of candidates) {
    try {
      return execFileSync('sh', ['-c', `command -v "${name}"`])
        .toString()
        .trim();
    } catch {
      // not this one
    }
  }
  throw new Error(
    `No Chromium found (tried ${candidates.join(', ')}): this test renders the API reference in it. Install it (Debian: apt-get install -y chromium; .ci/run does) or set CHROMIUM to its path.`,
  );
}

let app: TestApp;
let chromium: string;
let profiles: string;
beforeAll(async () => {
  chromium = findChromium();
  profiles = mkdtempSync(path.join(tmpdir(), 'taxasge-chromium-'));
  app = await createTestApp({ listen: true });
});
afterAll(async () => {
  await app?.close();
  if (profiles) rmSync(profiles, { recursive: true, force: true });
});

/** Runs Chromium headless on `url` with a fresh profile and no way to any other host; its stdout and stderr. */
function runChromium(url: string, extra: string[]): Promise<{ stdout: string; stderr: string }> {
  const profile = mkdtempSync(path.join(profiles, 'profile-'));
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    // Offline but for this server: any other host fails to resolve, so a CDN reference would leave the page blank.
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    '--window-size=1280,2200',
    // Runs the page's timers to completion (waiting on its requests) before dumping or capturing.
    '--virtual-time-budget=15000',
    '--enable-logging=stderr',
    '--v=0',
    ...extra,
    url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(chromium, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve({ stdout, stderr }) : reject(new Error(`chromium exited ${code}:\n${stderr.slice(-3000)}`))));
  });
}

describe('the API reference in a browser', () => {
  it('renders every route from this server alone, without a CSP violation', async () => {
    const { stdout, stderr } = await runChromium(`${app.baseUrl}/api/v1/docs`, ['--dump-dom']);
    expect(stdout).toContain('data-reference="ready"');
    const missing = apiRoutes.filter((r) => !stdout.includes(`>${r.operationId}<`)).map((r) => r.operationId);
    expect(missing).toEqual([]);
    expect(stdout).toContain('Authorize');
    expect(stderr).not.toMatch(/Content Security Policy|Refused to (load|execute|apply|connect)/);
  }, 60_000);

  it('is captured as a screenshot', async () => {
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    rmSync(SCREENSHOT, { force: true });
    await runChromium(`${app.baseUrl}/api/v1/docs`, [`--screenshot=${SCREENSHOT}`]);
    // A blank 1280x2200 PNG is ~10 KB; the rendered reference is several times that.
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(50_000);
  }, 60_000);
});
