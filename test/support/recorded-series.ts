/** The series a metric recorder holds now for one metric: how tests read what was recorded. */
import type { MetricRecorder, SeriesSnapshot } from '../../shared/metrics/metric-recorder';
import type { MetricName } from '../../shared/metrics/metric-registry';

export async function recordedSeries(recorder: Pick<MetricRecorder, 'snapshot'>, name: MetricName): Promise<SeriesSnapshot[]> {
  const family = (await recorder.snapshot()).families.find((f) => f.definition.name === name);
  if (!family) throw new Error(`the recorder holds no metric ${name}`);
  return family.series;
}
