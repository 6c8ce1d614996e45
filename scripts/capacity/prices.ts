/** Public list prices (USD) the monthly cost uses, each with the page it was read on and when; europe-west1 (Tier 1) unless said. */

export interface Price {
  usd: number;
  unit: string;
  source: string;
}

const CLOUD_RUN =
  'https://cloud.google.com/run/pricing ("Pricing for services with CPU only allocated during request processing", Tier 1; stored copy read 2026-11-24)';

export const PRICES = {
  runVcpuSecond: { usd: 0.000024, unit: 'vCPU-second', source: CLOUD_RUN },
  runGibSecond: { usd: 0.0000025, unit: 'GiB-second', source: `${CLOUD_RUN}; also cloudwebschool.com/tools/cloud-run-cost-calculator` },
  runMillionRequests: { usd: 0.4, unit: 'million requests', source: CLOUD_RUN },
  runFreeVcpuSeconds: { usd: 180_000, unit: 'vCPU-seconds free a month per billing account', source: CLOUD_RUN },
  runFreeGibSeconds: { usd: 360_000, unit: 'GiB-seconds free a month per billing account', source: CLOUD_RUN },
  runFreeRequests: { usd: 2_000_000, unit: 'requests free a month per billing account', source: CLOUD_RUN },
  runIdleFactor: {
    usd: 0.1,
    unit: 'share of the active price an idle min instance costs',
    source: 'assumption: idle min instances under request-based billing are billed at a reduced rate; not in the stored corpus, taken as 1/10 of active',
  },
  sqlVcpuHour: {
    usd: 0.0413,
    unit: 'vCPU-hour, Enterprise',
    source:
      'https://www.usage.ai/blogs/gcp/cloud-sql/pricing/ quoting cloud.google.com/sql/pricing, us-central1, May 2026 (europe-west1 not in the stored corpus; its list price is some % higher)',
  },
  sqlGbHour: { usd: 0.007, unit: 'GB-hour of memory, Enterprise', source: 'same page as sqlVcpuHour' },
  sqlSharedSmallHour: {
    usd: 0.035,
    unit: 'hour of db-g1-small',
    source: 'assumption: shared-core db-g1-small list price (~$25 a month); not in the stored corpus',
  },
  sqlSsdGbMonth: { usd: 0.17, unit: 'GB-month SSD', source: 'assumption: Cloud SQL SSD list price; not in the stored corpus' },
  sqlHaFactor: {
    usd: 2,
    unit: '× for REGIONAL (standby instance)',
    source: 'cloudcostkit / mec.gob.ar Cloud SQL pricing guides: high availability doubles instance and storage price',
  },
  pubsubTib: {
    usd: 40,
    unit: 'TiB of throughput (publish + delivery)',
    source: 'https://cloud.google.com/pubsub/pricing, "$40 per TiB", first 10 GiB free (read 2026-09-20, api-evangelist/google plans-pricing)',
  },
  pubsubFreeGib: { usd: 10, unit: 'GiB free a month', source: 'same page as pubsubTib' },
  loggingGib: {
    usd: 0.5,
    unit: 'GiB ingested',
    source:
      'https://cloud.google.com/stackdriver/pricing, Logging storage $0.50/GiB, 50 GiB free per project a month (read 2026-09-12, api-evangelist/google-cloud-logging)',
  },
  loggingFreeGib: { usd: 50, unit: 'GiB free per project a month', source: 'same page as loggingGib' },
  upstash100kCommands: {
    usd: 0.2,
    unit: '100,000 commands (pay as you go)',
    source:
      'https://upstash.com/pricing/redis, "$0.2 per 100K commands" (read 2026-09-20, api-evangelist/upstash; and flexprice.io teardown captured 2026-11-09)',
  },
  vpcConnectorInstanceMonth: {
    usd: 6.1,
    unit: 'e2-micro connector instance a month',
    source: 'assumption: Serverless VPC Access e2-micro instance (~$0.0084/h); not in the stored corpus',
  },
  schedulerJobMonth: {
    usd: 0.1,
    unit: 'job a month beyond 3 free per billing account',
    source: 'assumption: Cloud Scheduler list price; not in the stored corpus',
  },
} satisfies Record<string, Price>;

/** XAF is pegged to the euro (655.957 XAF = 1 EUR, BEAC); the dollar floats: assumption 1 USD = 0.92 EUR. */
export const XAF_PER_USD = Math.round(655.957 * 0.92);
