/** This process's memory and CPU, read from Node at scrape time. */
import type { MetricCollector } from './metric-collector';

export function createProcessCollector(): MetricCollector {
  return {
    name: 'process',
    metrics: ['process_resident_memory_bytes', 'process_heap_used_bytes', 'process_cpu_seconds', 'process_start_time_seconds'],
    async collect() {
      const memory = process.memoryUsage();
      const cpu = process.cpuUsage();
      return {
        process_resident_memory_bytes: [{ labels: {}, value: memory.rss }],
        process_heap_used_bytes: [{ labels: {}, value: memory.heapUsed }],
        process_cpu_seconds: [{ labels: {}, value: (cpu.user + cpu.system) / 1e6 }],
        process_start_time_seconds: [{ labels: {}, value: Math.floor(performance.timeOrigin / 1000) }],
      };
    },
  };
}
