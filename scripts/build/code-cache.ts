/**
 * V8 code caches: each function's bundle compiled under every NODE_OPTIONS Terraform deploys it with,
 * in a child process, and its cache saved beside it for the loader (index.js) to use at cold start.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { CodeCache } from './build-types';
import { relative, ROOT } from './paths';

/** Where Terraform's NODE_OPTIONS of a function come from, by its memory. */
export const NODE_OPTIONS_FILE = path.join(ROOT, 'terraform/modules/http-function/node-options.json');

/** NODE_OPTIONS by instance memory (e.g. `256Mi`), as terraform/modules/http-function deploys them. */
export function deployedNodeOptions(file = NODE_OPTIONS_FILE): Record<string, string> {
  const { byMemory } = JSON.parse(readFileSync(file, 'utf8')) as { byMemory?: Record<string, string> };
  if (!byMemory || Object.values(byMemory).some((v) => typeof v !== 'string'))
    throw new Error(`${file}: expected {"byMemory": {"<memory>": "<NODE_OPTIONS>"}}`);
  return byMemory;
}

/** The function, wrapped as Node wraps a CommonJS module: the same text in the loader and when the cache is made. */
const WRAPPER = ['(function (exports, require, module, __filename, __dirname) { ', '\n});'] as const;

/**
 * JavaScript shared by the loader and the cache maker: the cache file of a bundle for the NODE_OPTIONS
 * of this process (whitespace-normalised), or undefined where zlib has no crc32.
 */
const CACHE_FILE_JS = `function cacheFile(dir, bytes) {
  const { crc32 } = require('node:zlib');
  if (typeof crc32 !== 'function') return undefined;
  const flags = (process.env.NODE_OPTIONS || '').trim().split(/\\s+/).join(' ');
  return require('node:path').join(dir, 'bundle.' + (crc32(flags, crc32(bytes)) >>> 0).toString(16).padStart(8, '0') + '.cache');
}`;

/** The function folder's entry (package.json `main`), which the functions framework requires. */
export const LOADER_JS = `'use strict';
// Written by scripts/build.ts. Compiles bundle.js with the V8 code cache the build made for this
// process's NODE_OPTIONS, so a cold start skips most of compiling it; when there is no such cache,
// or V8 refuses it (another Node version), V8 compiles bundle.js as usual. bundle.js is a CommonJS
// module: it gets its own require, __filename and __dirname, and this module's exports.
const { readFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const { Script } = require('node:vm');

${CACHE_FILE_JS}

const filename = join(__dirname, 'bundle.js');
if (process.sourceMapsEnabled) {
  // --enable-source-maps maps stack traces only through Node's own loader: the bundle goes that way, without the cache.
  module.exports = require(filename);
} else {
  const bytes = readFileSync(filename);
  let cachedData;
  try {
    const file = cacheFile(__dirname, bytes);
    if (file) cachedData = readFileSync(file);
  } catch {
    // no cache for these flags
  }
  const script = new Script(${JSON.stringify(WRAPPER[0])} + bytes.toString('utf8') + ${JSON.stringify(WRAPPER[1])}, { filename, cachedData });
  script.runInThisContext()(module.exports, createRequire(filename), module, filename, __dirname);
}
`;

/** Run by the build under a deployed NODE_OPTIONS: compiles and runs the bundle as the loader does, then saves V8's cache. */
const CACHE_MAKER_JS = `'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname } = require('node:path');
const { Script } = require('node:vm');
${CACHE_FILE_JS}
const filename = process.argv[1];
const bytes = readFileSync(filename);
const script = new Script(${JSON.stringify(WRAPPER[0])} + bytes.toString('utf8') + ${JSON.stringify(WRAPPER[1])}, { filename });
let error = null;
try {
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, createRequire(filename), mod, filename, dirname(filename));
} catch (err) {
  error = String(err && err.stack || err).split('\\n').slice(0, 3).join(' | ');
}
const file = cacheFile(dirname(filename), bytes);
if (file) writeFileSync(file, script.createCachedData());
process.stdout.write(JSON.stringify({ file: file || null, error }));
// The module code may have left timers or sockets behind.
process.exit(0);
`;

/** Makes the bundle's code cache in a child process under `nodeOptions`; throws when no cache was written. */
export async function makeCodeCache(bundleFile: string, nodeOptions: string, warn: (line: string) => void): Promise<CodeCache> {
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    // Only what resolving modules needs: the bundle's module code must not find credentials or configuration here.
    const child = spawn(process.execPath, ['-e', CACHE_MAKER_JS, bundleFile], {
      env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: nodeOptions },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('close', (exit) => resolve({ code: exit, stdout: out, stderr: err }));
  });
  let result: { file: string | null; error: string | null } | undefined;
  try {
    result = JSON.parse(stdout) as typeof result;
  } catch {
    result = undefined;
  }
  if (code !== 0 || !result?.file) {
    throw new Error(
      `no code cache for ${relative(bundleFile)} under NODE_OPTIONS="${nodeOptions}" (exit ${code}): ${(result?.error ?? stderr.trim()) || 'this Node has no zlib.crc32 (needs ≥ 20.15)'}`,
    );
  }
  // Still a cache (of what compiled before the throw): worth keeping, and worth saying.
  if (result.error)
    warn(`${relative(bundleFile)} threw while its code cache was made under NODE_OPTIONS="${nodeOptions}", so the cache holds less: ${result.error}`);
  return { nodeOptions, file: path.basename(result.file), bytes: statSync(result.file).size, ran: !result.error };
}

/** Runs `tasks`, at most `limit` at a time (one per core: each is a node process); their outcomes in the tasks' order. */
export async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < tasks.length; i = next++) {
      results[i] = await tasks[i]!().then(
        (value) => ({ status: 'fulfilled', value }) as const,
        (reason: unknown) => ({ status: 'rejected', reason }) as const,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, worker));
  return results;
}
