/** A BANGE sandbox on its own node:http server on a free port: for tests and scripts that need the bank without the whole backend. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBangeSandbox, type BangeSandbox, type BangeSandboxOptions } from './bange-sandbox';

export interface BangeSandboxServer {
  /** The server's origin, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** The API's base URL for the HTTP adapter (`<url>/sandbox/bange`). */
  apiUrl: string;
  sandbox: BangeSandbox;
  /** Waits for deliveries under way, then stops the server. */
  close(): Promise<void>;
}

export async function startBangeSandboxServer(options: Omit<BangeSandboxOptions, 'publicBaseUrl'>): Promise<BangeSandboxServer> {
  // Checkout URLs need the port, known only once listening: the sandbox is attached after.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sandbox = createBangeSandbox({ ...options, publicBaseUrl: url });
  server.on('request', sandbox.handler);
  return {
    url,
    apiUrl: sandbox.apiUrl,
    sandbox,
    async close() {
      await sandbox.settle();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
