/**
 * How much CPU a fixed piece of work takes on this machine right now. On two cores shared with other work, a
 * millisecond of CPU does less when the neighbours are busy (the other hyperthread, caches, memory bandwidth):
 * the same scrypt hash took 170 ms of CPU here on a quiet machine and 240 ms at a load average of 14. A separate
 * process repeats the same JavaScript (JSON of a 60 kB document, as a request's work is) once a second and reports
 * its own CPU for it; the median says how dear CPU was while a calibration or a rehearsal ran, so that two runs
 * can be compared at the same machine speed.
 */
import { spawn } from 'node:child_process';

const PROBE = `
const doc = { items: Array.from({ length: 400 }, (_, i) => ({ id: 'svc-' + i, name: { es: 'Servicio ' + i, fr: 'Service ' + i, en: 'Service ' + i }, amount: i * 1000, tags: ['a', 'b', 'c'] })) };
setInterval(() => {
  const a = process.cpuUsage();
  let n = 0;
  for (let i = 0; i < 60; i++) n += JSON.parse(JSON.stringify(doc)).items.length;
  const b = process.cpuUsage(a);
  process.stdout.write(((b.user + b.system) / 1000).toFixed(3) + ' ' + n + '\\n');
}, 1000);
`;

export interface ContentionProbe {
  /** Median CPU ms of the fixed work since the probe started (or since `reset`). */
  median(): number;
  reset(): void;
  stop(): void;
}

export function startContentionProbe(): ContentionProbe {
  const child = spawn(process.execPath, ['-e', PROBE], { stdio: ['ignore', 'pipe', 'ignore'] });
  let samples: number[] = [];
  let rest = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) samples.push(Number(l.split(' ')[0]));
  });
  return {
    median() {
      const s = samples.filter(Number.isFinite).sort((a, b) => a - b);
      return s.length ? Math.round(s[Math.floor(s.length / 2)]! * 100) / 100 : Number.NaN;
    },
    reset() {
      samples = [];
    },
    stop() {
      child.kill('SIGTERM');
    },
  };
}
