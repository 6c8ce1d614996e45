/** The collector contract: values read at scrape time (from PostgreSQL, the pool, the process) replacing gauge series. */
import type { CounterName, GaugeName, LabelsOf } from '../metric-registry';
import type { MetricRecorder } from '../metric-recorder';

export interface Reading<N extends GaugeName | CounterName = GaugeName | CounterName> {
  labels: LabelsOf<N>;
  value: number;
}

/** Every series of each metric a collector owns, read now. */
export type Collected = { [N in GaugeName | CounterName]?: readonly Reading<N>[] };

export interface MetricCollector {
  /** The `collector` label of metrics_collector_up. */
  readonly name: string;
  /** The metrics it owns: their series are replaced by each run and cleared when a run fails. */
  readonly metrics: readonly (GaugeName | CounterName)[];
  collect(): Promise<Collected>;
}

export interface CollectOptions {
  timeoutMs?: number;
  onError?: (collector: string, err: unknown) => void;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs every collector in parallel and stores what they read; never rejects. */
export async function runCollectors(recorder: MetricRecorder, collectors: readonly MetricCollector[], options: CollectOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 5000;
  await Promise.all(
    collectors.map(async (c) => {
      try {
        const collected = await withTimeout(c.collect(), timeoutMs, `collector ${c.name}`);
        const foreign = Object.keys(collected).filter((name) => !(c.metrics as readonly string[]).includes(name));
        if (foreign.length) throw new Error(`collector ${c.name} read ${foreign.join(', ')}, which it does not declare in its metrics`);
        for (const name of c.metrics) {
          const readings = (collected[name] ?? []) as Reading[];
          recorder.replace(name, readings as never);
        }
        recorder.set('metrics_collector_up', { collector: c.name }, 1);
      } catch (err) {
        for (const name of c.metrics) recorder.replace(name, []);
        recorder.set('metrics_collector_up', { collector: c.name }, 0);
        options.onError?.(c.name, err);
      }
    }),
  );
}
