/** Reads the Hosting rewrites of firebase.json: the one table mapping public paths to functions. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface Rewrite {
  regex: RegExp;
  functionId: string;
}

export const FIREBASE_JSON = path.resolve(__dirname, '../../firebase.json');

export function readRewrites(file = FIREBASE_JSON): Rewrite[] {
  const config = JSON.parse(readFileSync(file, 'utf8')) as {
    hosting?: { rewrites?: { regex?: string; source?: string; function?: { functionId: string } | string }[] };
  };
  return (config.hosting?.rewrites ?? []).flatMap((r) => {
    const functionId = typeof r.function === 'string' ? r.function : r.function?.functionId;
    if (!functionId) return [];
    if (!r.regex) throw new Error(`firebase.json rewrite for ${functionId} must use "regex" (the local server does not interpret globs)`);
    return [{ regex: new RegExp(r.regex), functionId }];
  });
}

export function functionFor(rewrites: Rewrite[], pathname: string): string | undefined {
  return rewrites.find((r) => r.regex.test(pathname))?.functionId;
}

export interface HostingHeaders {
  regex: RegExp;
  headers: Record<string, string>;
}

/** The `headers` of firebase.json: what Hosting adds to the responses of matching paths. */
export function readHostingHeaders(file = FIREBASE_JSON): HostingHeaders[] {
  const config = JSON.parse(readFileSync(file, 'utf8')) as {
    hosting?: { headers?: { regex?: string; source?: string; headers: { key: string; value: string }[] }[] };
  };
  return (config.hosting?.headers ?? []).map((h) => {
    if (!h.regex) throw new Error('firebase.json headers must use "regex" (the local proxy does not interpret globs)');
    return { regex: new RegExp(h.regex), headers: Object.fromEntries(h.headers.map((x) => [x.key.toLowerCase(), x.value])) };
  });
}
