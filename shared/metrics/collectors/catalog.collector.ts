/** Catalog gauges from PostgreSQL: active services and payable-online services per ministry, catalog version. */
import type { Queryable } from '../../ports/database.port';
import type { MetricCollector } from './metric-collector';

interface MinistryRow {
  ministry: string;
  services: number;
  payable: number;
}

export function createCatalogCollector(options: { db: Queryable }): MetricCollector {
  return {
    name: 'catalog',
    metrics: ['catalog_services', 'catalog_services_payable_online', 'catalog_version'],
    async collect() {
      const [ministries, version] = await Promise.all([
        options.db.query<MinistryRow>(
          `SELECT m.code AS ministry,
                  count(s.code)::int AS services,
                  count(s.code) FILTER (WHERE s.payable_online)::int AS payable
             FROM ministries m
             LEFT JOIN fiscal_services s ON s.ministry_code = m.code AND s.active
            GROUP BY m.code
            ORDER BY m.code`,
        ),
        options.db.query<{ version: number | null }>('SELECT max(version) AS version FROM catalog_versions'),
      ]);
      return {
        catalog_services: ministries.rows.map((r) => ({ labels: { ministry: r.ministry }, value: r.services })),
        catalog_services_payable_online: ministries.rows.map((r) => ({ labels: { ministry: r.ministry }, value: r.payable })),
        catalog_version: version.rows[0]?.version == null ? [] : [{ labels: {}, value: version.rows[0].version }],
      };
    },
  };
}
