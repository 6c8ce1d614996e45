/** The local server, an account of every role, and the jobs function (which no public path reaches) on a port of its own. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Role } from '../../../shared/domain/identity/roles';
import type { RouteDefinition } from '../../../shared/http/route';
import { anAccount, type CreatedAccount } from '../../support/auth-fixtures';
import { createTestApp, type TestApp } from '../../support/test-app';

export interface HostileApp {
  app: TestApp;
  accounts: Map<Role, CreatedAccount>;
  /** The port serving a route: the local server, or the jobs function for /jobs/. */
  portFor(route: RouteDefinition): number;
  close(): Promise<void>;
}

const portOf = (server: Server) => (server.address() as AddressInfo).port;

export async function createHostileApp(): Promise<HostileApp> {
  const app = await createTestApp({ listen: true, env: { RATE_LIMIT_PUBLIC_PER_MINUTE: '1000000' } });
  const accounts = new Map<Role, CreatedAccount>();
  for (const role of ['citizen', 'business', 'agent', 'supervisor', 'finance', 'admin'] as const) {
    accounts.set(
      role,
      await anAccount()
        .withRole(role, role === 'agent' || role === 'supervisor' ? ['M-001'] : [])
        .create(app),
    );
  }
  const { getTestServer } = await import('@google-cloud/functions-framework/testing');
  await import('../../../functions/jobs');
  const jobsApp = getTestServer('jobs');
  const jobs = createServer((req, res) => jobsApp.emit('request', req, res));
  await new Promise<void>((resolve) => jobs.listen(0, '127.0.0.1', resolve));
  return {
    app,
    accounts,
    portFor: (route) => (route.path.startsWith('/jobs/') ? portOf(jobs) : portOf(app.server)),
    async close() {
      await new Promise<void>((resolve) => jobs.close(() => resolve()));
      await app.close();
    },
  };
}
