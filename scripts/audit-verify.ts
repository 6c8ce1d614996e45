/** `npm run audit:verify`: recomputes the audit log's hash chain; exits 1 naming the first broken row. */
import { Client } from 'pg';
import { ConfigError, parseConfig } from '../shared/config/config';
import { verifyAuditChain } from '../shared/domain/audit/audit-log';
import { createLogger } from '../shared/logging/logger';
import { openLocalDatabase } from './local/local-database';

export async function runAuditVerify(env: Record<string, string | undefined>, out: (line: string) => void): Promise<number> {
  let config;
  try {
    config = parseConfig(env, 'job');
  } catch (err) {
    if (err instanceof ConfigError) {
      out(err.message);
      return 1;
    }
    throw err;
  }
  const database = await openLocalDatabase(config, createLogger({ level: config.logLevel }));
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
    await database.stop();
  }
}

if (require.main === module) {
  runAuditVerify(process.env, (line) => console.log(line)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}
