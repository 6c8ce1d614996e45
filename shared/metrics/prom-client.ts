/**
 * The parts of prom-client this code uses (registry, counter, gauge, histogram, aggregation), loaded
 * without its index: the index also loads its default process metrics, the push gateway and
 * OpenTelemetry, which cost a cold start 50–100 ms here (bundled) against about 5 ms for these.
 */
import AggregatorRegistry from 'prom-client/lib/cluster';
import Counter from 'prom-client/lib/counter';
import Gauge from 'prom-client/lib/gauge';
import Histogram from 'prom-client/lib/histogram';
import Registry from 'prom-client/lib/registry';

export { AggregatorRegistry, Counter, Gauge, Histogram, Registry };
