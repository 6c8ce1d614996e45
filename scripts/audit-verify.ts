/** `npm run audit:verify`: recomputes the audit log's hash chain; exits 1 naming the first broken row. */
import { Client } from 'pg';
import { verifyAuditChain } from '../shared/domain/audit/audit-log';
import { jobConfig, runMain, withDatabase, type Out } from './local/command';

export async function runAuditVerify(_args: string[], env: Record<string, string | undefined>, out: Out): Promise<number> {
  const config = jobConfig(env, out);
  if (!config) return 1;
  return withDatabase(config, async (database) => {
    const client = new Client({ connectionString: database.url, application_name: 'taxasge-audit-verify' });
    await client.connect();
    try {
      const report = await verifyAuditChain({ query: async (text, params) => client.query(text, params as unknown[]) });
      if (report.ok) {
        out(`audit log intact: ${report.rows} row(s) verified`);
        return 0;
      }
      out(`audit log BROKEN at row ${report.brokenAt!.id}: ${report.brokenAt!.reason} (${report.rows} row(s) before it verified)`);
      return 1;
    } finally {
      await client.end();
    }
  });
}

if (require.main === module) runMain(runAuditVerify);
