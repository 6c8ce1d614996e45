/**
 * prom-client's modules loaded one by one (see prom-client.ts), typed by its own declarations: the
 * package ships types for its index only.
 */
declare module 'prom-client/lib/registry' {
  import { Registry } from 'prom-client';
  export = Registry;
}
declare module 'prom-client/lib/counter' {
  import { Counter } from 'prom-client';
  export = Counter;
}
declare module 'prom-client/lib/gauge' {
  import { Gauge } from 'prom-client';
  export = Gauge;
}
declare module 'prom-client/lib/histogram' {
  import { Histogram } from 'prom-client';
  export = Histogram;
}
declare module 'prom-client/lib/cluster' {
  import { AggregatorRegistry } from 'prom-client';
  export = AggregatorRegistry;
}
