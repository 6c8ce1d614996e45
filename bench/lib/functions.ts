/**
 * Cold start (spawn → first 200, median of N) and RSS after 10,000 requests of each built function, and
 * of the hello-world baseline. Each function runs with the NODE_OPTIONS Terraform deploys it with, which
 * its code cache was built for; the baseline without any, as the framework ships it (see startFunction).
 */
import type { RequestSpec } from 'autocannon';
import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { findFreePort } from '../../shared/adapters/db/embedded-postgres';
import { processCpuMs, processRss, runLoad, summarise, type LatencySummary } from './load';
import { ROOT, startFunction, type Probe } from './processes';

export const HELLO_TARGET = 'hello';

/** Bundles the baseline exactly as scripts/build.ts bundles a function (CommonJS, node20, the framework external). */
export async function buildHelloWorld(): Promise<string> {
  const dir = path.join(ROOT, 'dist/bench/hello');
  await build({
    absWorkingDir: ROOT,
    entryPoints: [path.join(ROOT, 'bench/hello/index.ts')],
    outfile: path.join(dir, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['@google-cloud/functions-framework'],
    logLevel: 'silent',
  });
  // The framework reads and normalises the package.json of the source folder (~14 ms): the baseline ships one too, like every function.
  const manifest = {
    name: 'taxasge-bench-hello',
    private: true,
    main: 'index.js',
    engines: { node: '22' },
    dependencies: { '@google-cloud/functions-framework': '*' },
  };
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return dir;
}

export function probeRequests(probe: Probe): RequestSpec[] {
  return [
    {
      method: probe.method,
      path: probe.path,
      headers: probe.headers ?? {},
      ...(probe.body
        ? {
            setupRequest: (req) => {
              const next = probe.body!();
              return { ...req, body: next.body, headers: { ...probe.headers, ...next.headers } };
            },
          }
        : {}),
    },
  ];
}

export interface FunctionFigures {
  id: string;
  probe: string;
  coldStartMs: LatencySummary & { samples: number[] };
  /** CPU time the process spent until its first 2xx (utime + stime, 10 ms ticks): unlike the wall clock, hardly moved by other work on the machine. */
  coldStartCpuMs?: LatencySummary & { samples: number[] };
  rss: { afterFirstMb: number; afterRequestsMb: number; peakMb: number; requests: number; ok: number; rps: number; durationS: number };
}

/** Starts the function `runs` times (each a fresh process), then sends `requests` to the last one and reads its RSS. */
export async function measureFunction(
  id: string,
  source: string,
  env: NodeJS.ProcessEnv,
  probe: Probe,
  options: { runs: number; requests: number; maxLoadS: number; log: (line: string) => void },
): Promise<FunctionFigures> {
  const samples: number[] = [];
  const cpuSamples: number[] = [];
  for (let run = 1; ; run++) {
    const port = await findFreePort();
    const { started, coldStartMs } = await startFunction(id, source, port, env, probe);
    samples.push(Math.round(coldStartMs * 10) / 10);
    cpuSamples.push(processCpuMs(started.pid) ?? Number.NaN);
    if (run < options.runs) {
      await started.stop();
      continue;
    }
    try {
      const afterFirst = processRss(started.pid);
      const load = await runLoad({ url: started.url, connections: 16, amount: options.requests, stopAfterS: options.maxLoadS, requests: probeRequests(probe) });
      const after = processRss(started.pid);
      const figures: FunctionFigures = {
        id,
        probe: `${probe.method} ${probe.path.split('?')[0]!.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/, '{id}')}`,
        coldStartMs: { ...summarise(samples), samples },
        coldStartCpuMs: { ...summarise(cpuSamples), samples: cpuSamples },
        rss: {
          afterFirstMb: afterFirst.rssMb,
          afterRequestsMb: after.rssMb,
          peakMb: after.peakMb,
          requests: load.requests,
          ok: load.ok,
          rps: load.rps,
          durationS: load.durationS,
        },
      };
      options.log(
        `  ${id.padEnd(16)} cold start median ${figures.coldStartMs.p50} ms; RSS ${afterFirst.rssMb} → ${after.rssMb} MB after ${load.requests} requests (${load.ok} 2xx, ${load.rps}/s)`,
      );
      if (load.ok !== load.requests) options.log(`    ${load.requests - load.ok} requests were not 2xx: ${JSON.stringify(load.statusCodes)}`);
      if (load.requests < options.requests) options.log(`    stopped after ${options.maxLoadS} s with ${load.requests} of ${options.requests} requests done`);
      return figures;
    } finally {
      await started.stop();
    }
  }
}
