/** The load model's inputs: who uses TaxasGE and how often, each figure with its source or marked as an assumption. */

export interface Figure {
  value: number;
  /** Where it comes from; "assumption" when nothing citable was found (no internet here beyond the stored search corpus). */
  source: string;
}

const assumption = (value: number, why: string): Figure => ({ value, source: `assumption: ${why}` });

export const POPULATION = {
  people: {
    value: 1_737_695,
    source:
      'CIA World Factbook, 2023 estimate (https://cia.gov/the-world-factbook/about/archives/2023/countries/equatorial-guinea; figure read on the theodora.com mirror, equatorial_guinea_people.html)',
  },
  adultShare: {
    value: 0.45,
    source:
      'CIA World Factbook: about 60 % of the population is under 25 (2022); adults of 25 and over taken as 40 %, plus half the 18-24 cohort → 45 % (derived)',
  },
  internetShare: {
    value: 0.26,
    source: 'World Bank 2021 (26 % of the population uses the internet), quoted by lisboatv.pt "Equatorial Guinea\'s internet access crisis"',
  },
} satisfies Record<string, Figure>;

export const USE = {
  /** Of the adults online, those who pay at least one tasa a year through TaxasGE at 1×. */
  citizenAdoption: assumption(0.5, 'half the adults online use the online channel in its first full year; the rest pay at the counter'),
  serviceFeesPerCitizenYear: assumption(3, 'passport or ID, a certificate and one licence or permit a year'),
  businessTaxpayers: assumption(15_000, 'registered businesses filing monthly (no DGIC register count was found in the stored corpus)'),
  monthlyReturnsPerBusiness: assumption(1.5, 'VAT monthly for most, withholding monthly for employers (tax-types.ts: vat, withholding)'),
  annualReturnsPerBusiness: assumption(
    1,
    'corporate income tax once a year (PwC tax summaries, Equatorial Guinea, "Corporate - Tax administration", reviewed 2024-05-07)',
  ),
  annualReturnsPersonal: assumption(20_000, 'salaried and self-employed people filing personal income tax online'),
  businessServiceFeesYear: assumption(2, 'licences and permits per business a year'),
  /** Catalog sessions of people who read but do not pay, per paying flow. */
  browseSessionsPerFlow: assumption(2, 'two look-ups (price, required documents) per payment made'),
  workingDaysYear: assumption(250, 'Monday to Friday less public holidays'),
  workingDaysMonth: assumption(21, '250 / 12, rounded'),
} satisfies Record<string, Figure>;

export const PEAKS = {
  /** Monthly returns are due the 15th (shared/domain/declarations/tax-types.ts deadlineOf). */
  monthlyShareOnDeadlineDay: assumption(0.3, "last-day filing: 30 % of a month's returns arrive on the 15th"),
  monthlyShareLastWeek: assumption(0.6, 'including the deadline day, 60 % in the last five working days'),
  /** Annual returns are due 30 June (deadlineOf); the law gives four months for CIT (PwC), the product's deadline governs. */
  annualShareOnDeadlineDay: assumption(0.2, 'a fifth of the annual returns on the very last day'),
  annualShareOutsidePeak: assumption(0.3, 'spread evenly over the year before the last month'),
  peakHourShare: assumption(0.15, 'the busiest of ~10 office hours carries 15 % of the day'),
  burstFactor: assumption(2, "the busiest second of the busiest hour against that hour's mean (Poisson bursts, retries, app refreshes)"),
  weekendShare: assumption(0.3, 'a weekend day carries 30 % of an ordinary working day'),
} satisfies Record<string, Figure>;

/** How the platform behaves per request, where no bench figure exists. */
export const PLATFORM = {
  catalogCacheMissRate: assumption(0.05, 'catalog entries live CACHE_TTL_SECONDS = 300 s; 5 % of reads miss (first reader after expiry, rare queries)'),
  webhookDuplicateRate: assumption(0.05, 'BANGE re-sends 5 % of webhooks (at-least-once delivery)'),
  targetCpuUtilisation: {
    value: 0.6,
    source: 'Cloud Run scales out at about 60 % CPU utilisation of its instances (Cloud Run autoscaling docs; used as the sizing target)',
  },
  dbCpuTarget: assumption(0.7, 'Cloud SQL kept under 70 % CPU at the peak second'),
  /** Time a request holds a pooled connection beyond PostgreSQL's own CPU: round trips on the private IP. */
  dbRoundTripMs: assumption(0.5, 'private-IP round trip in one region, per statement'),
  bangeLatencyMs: assumption(300, 'BANGE API answer time when creating a payment (no figures published)'),
  requestLogBytes: assumption(1_000, 'one Cloud Run request log entry (run.googleapis.com/requests) per HTTP request or push delivery'),
  appLogBytesPerNotification: assumption(400, 'one info line per notification sent (channel-notifiers.ts)'),
  pubsubBilledBytes: {
    value: 1_000,
    source:
      'Pub/Sub bills at least 1 kB per message published or delivered (Pub/Sub pricing page, https://cloud.google.com/pubsub/pricing, read 2026-09-20 via api-evangelist/google plans)',
  },
  upstashCommandsPerSecondLimit: assumption(
    10_000,
    'Upstash pay-as-you-go request rate ceiling per database (not in the stored corpus; verify on upstash.com/pricing/redis)',
  ),
  cloudRunInstancesPerRegion: assumption(1_000, 'Cloud Run default maximum instances per service and region quota (raise by quota request)'),
  auditAppendLockMs: assumption(2, 'the audit log appends under one advisory lock (shared/domain/audit/audit-log.ts): ~2 ms held per privileged action'),
  uptimeChecksPerMinute: assumption(6, 'the /health uptime check (terraform/modules/monitoring, period 60 s) from six checker regions'),
  scryptCpuMs: {
    value: 170,
    source:
      'measured on this machine: node:crypto scrypt N=32768 r=8 p=1 (shared/domain/identity/password.ts), 20 hashes, 169.6 ms CPU each (2026-11-24, process.cpuUsage)',
  },
} satisfies Record<string, Figure>;

/** Pre-production environments: traffic of CI, the deploy smoke tests and people trying things. */
export const NON_PROD_TRAFFIC_SHARE = assumption(0.002, "dev and staging see 0.2 % of production's 1× traffic, whatever production's multiple");

export const MULTIPLES = [1, 10, 100] as const;
