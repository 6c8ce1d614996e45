/**
 * Cloud Scheduler's part on one machine: each job of the topology POSTs `{}` to its function's path
 * on its cron, in the topology's time zone, as Cloud Scheduler's HTTP target does; `run` fires one now
 * (`gcloud scheduler jobs run`).
 */
import { CronExpressionParser } from 'cron-parser';
import { topology, type JobName, type JobSpec } from '../../shared/topology/topology';

export interface JobRun {
  job: string;
  status: number;
  body: string;
}

export interface SchedulerOptions {
  /** The URL of one running instance of an HTTP function. */
  target(functionId: string): string | undefined;
  jobs?: Record<string, JobSpec>;
  timeZone?: string;
  onRun?: (run: JobRun) => void;
}

export interface LocalScheduler {
  run(job: string): Promise<JobRun>;
  /** When each job fires next. */
  nextRuns(from?: Date): Record<string, Date>;
  /** Fires every job on its cron until stop(). */
  start(): void;
  stop(): void;
}

export function createScheduler(options: SchedulerOptions): LocalScheduler {
  const jobs: Record<string, JobSpec> = options.jobs ?? (topology.jobs as Record<JobName, JobSpec>);
  const tz = options.timeZone ?? topology.timeZone;
  const timers = new Map<string, NodeJS.Timeout>();
  const next = (spec: JobSpec, from: Date) => CronExpressionParser.parse(spec.schedule, { tz, currentDate: from }).next().toDate();

  async function run(name: string): Promise<JobRun> {
    const spec = jobs[name];
    if (!spec) throw new Error(`no scheduled job ${name}; the topology has ${Object.keys(jobs).join(', ')}`);
    const base = options.target(spec.function);
    if (!base) return { job: name, status: 503, body: `the ${spec.function} function has no running instance` };
    try {
      const res = await fetch(`${base}${spec.path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'Google-Cloud-Scheduler' },
        body: '{}',
      });
      const result = { job: name, status: res.status, body: await res.text() };
      options.onRun?.(result);
      return result;
    } catch (err) {
      const result = { job: name, status: 0, body: err instanceof Error ? err.message : String(err) };
      options.onRun?.(result);
      return result;
    }
  }

  function arm(name: string, spec: JobSpec) {
    const delay = Math.max(0, next(spec, new Date()).getTime() - Date.now());
    const timer = setTimeout(() => {
      void run(name).finally(() => timers.has(name) && arm(name, spec));
    }, delay);
    timer.unref();
    timers.set(name, timer);
  }

  return {
    run,
    nextRuns: (from = new Date()) => Object.fromEntries(Object.entries(jobs).map(([name, spec]) => [name, next(spec, from)])),
    start() {
      for (const [name, spec] of Object.entries(jobs)) arm(name, spec);
    },
    stop() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
