import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { findFreePort } from '../shared/adapters/db/embedded-postgres';
import { startPostgresProcess, type PostgresProcess } from './support/postgres-process';
import { createDatabase } from '../shared/adapters/db/database';
import { createProjectMigrator } from '../shared/migrations';
import type { Cache } from '../shared/ports/cache.port';
import { createMemoryCache } from '../shared/adapters/cache/memory-cache';
import { createFixedClock } from '../shared/ports/clock.port';
import { topology } from '../shared/topology/topology';
import { createTestApp, type TestApp } from './support/test-app';

describe('health over a healthy stack', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ env: { SERVICE_VERSION: '1.2.3' } });
  });
  afterAll(() => app.close());

  it('reports status, version and time', async () => {
    const res = await request(app.server).get('/health').expect(200);
    expect(res.body).toEqual({ status: 'ok', version: '1.2.3', environment: 'test', timestamp: '2026-01-15T09:00:00.000Z' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('is live', async () => {
    await request(app.server).get('/health/live').expect(200, { status: 'ok' });
  });

  it('is ready when the database, cache and event bus answer (the in-process bus of the one-process mode)', async () => {
    const res = await request(app.server).get('/health/ready').expect(200);
    expect(res.body).toMatchObject({
      ready: true,
      failing: [],
      checks: { database: { status: 'up' }, cache: { status: 'up', kind: 'memory' }, pubsub: { status: 'up', kind: 'in-process' } },
    });
  });
});

describe('readiness names the cache when it is down', () => {
  let app: TestApp;
  const broken: Cache = {
    kind: 'upstash',
    get: () => Promise.reject(new Error('cache unreachable')),
    set: () => Promise.reject(new Error('cache unreachable')),
    del: () => Promise.reject(new Error('cache unreachable')),
    incr: () => Promise.reject(new Error('cache unreachable')),
    ping: () => Promise.reject(new Error('cache unreachable')),
    stats: () => Promise.reject(new Error('cache unreachable')),
  };
  beforeAll(async () => {
    app = await createTestApp({ cache: broken });
  });
  afterAll(() => app.close());

  it('answers 503 naming the cache', async () => {
    const res = await request(app.server).get('/health/ready').expect(503);
    expect(res.body).toMatchObject({ ready: false, failing: ['cache'], checks: { cache: { status: 'down', detail: 'cache unreachable' } } });
  });

  it('still serves the catalog from the database', async () => {
    const res = await request(app.server).get('/api/v1/fiscal-services?limit=3').expect(200);
    expect(res.body.total).toBe(547);
    expect(app.logs.some((l) => l.includes('cache read failed'))).toBe(true);
  });
});

/** Pub/Sub's topics.get as the health function calls it: each request recorded, a topic answered 404 when listed as missing. */
function fakePubSub() {
  const seen: string[] = [];
  const missing = new Set<string>();
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const topic = /^\/v1\/projects\/[^/]+\/topics\/([^/:]+)$/.exec(req.url ?? '')?.[1];
    const found = req.method === 'GET' && topic !== undefined && !missing.has(topic);
    res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(found ? { name: `projects/taxasge-local/topics/${topic}` } : { error: { code: 404, status: 'NOT_FOUND', message: 'Topic not found' } }),
    );
  });
  return { server, seen, missing };
}

describe('readiness of the Pub/Sub bus, against a fake Pub/Sub REST API', () => {
  const pubsub = fakePubSub();
  let app: TestApp;
  beforeAll(async () => {
    await new Promise<void>((resolve) => pubsub.server.listen(0, '127.0.0.1', resolve));
    const { port } = pubsub.server.address() as { port: number };
    app = await createTestApp({ env: { EVENT_BUS: 'pubsub', PUBSUB_EMULATOR_HOST: `127.0.0.1:${port}` } });
  });
  afterAll(async () => {
    await app?.close();
    pubsub.server.closeAllConnections();
    await new Promise((resolve) => pubsub.server.close(resolve));
  });

  it('is ready when Pub/Sub has the topics the functions publish to, and publishes nothing to find out', async () => {
    const res = await request(app.server).get('/health/ready').expect(200);
    expect(res.body).toMatchObject({ ready: true, failing: [], checks: { pubsub: { status: 'up', kind: 'pubsub' } } });
    expect(pubsub.seen.sort()).toEqual(
      Object.keys(topology.topics)
        .map((t) => `GET /v1/projects/taxasge-local/topics/${t}`)
        .sort(),
    );
  });

  it('answers 503 naming pubsub, and the topic, when a topic is missing', async () => {
    pubsub.missing.add('payment-events');
    const res = await request(app.server).get('/health/ready').expect(503);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({
      ready: false,
      failing: ['pubsub'],
      checks: {
        database: { status: 'up' },
        cache: { status: 'up' },
        pubsub: { status: 'down', kind: 'pubsub', detail: expect.stringMatching(/: topic payment-events not found$/) },
      },
    });
    expect(app.logs.some((l) => l.includes('"not ready"') && l.includes('pubsub'))).toBe(true);
  });

  it('answers 503 naming pubsub when Pub/Sub does not answer at all', async () => {
    pubsub.missing.clear();
    pubsub.server.closeAllConnections();
    await new Promise((resolve) => pubsub.server.close(resolve));
    const res = await request(app.server).get('/health/ready').expect(503);
    expect(res.body.failing).toEqual(['pubsub']);
    expect(res.body.checks.pubsub).toMatchObject({
      status: 'down',
      kind: 'pubsub',
      detail: expect.stringMatching(/: topics [a-z-]+(, [a-z-]+)+: connect ECONNREFUSED 127\.0\.0\.1:\d+$/),
    });
    expect(pubsub.seen.filter((r) => !r.startsWith('GET '))).toEqual([]);
  });
});

describe('readiness follows PostgreSQL going away and coming back, without a restart', () => {
  let pg: PostgresProcess;
  let dataDir: string;
  let port: number;
  let app: TestApp;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'taxasge-ready-'));
    chmodSync(dataDir, 0o755);
    port = await findFreePort();
    pg = await startPostgresProcess(dataDir, port);
    await createProjectMigrator(pg.url).up();
    const clock = createFixedClock();
    app = await createTestApp({ env: {}, cache: createMemoryCache({ clock }) });
    // Point the runtime's database at the cluster this test can stop.
    app.runtime.db = createDatabase({ connectionString: pg.url, max: 2, statementTimeoutMs: 2000, connectionTimeoutMs: 1000 });
  }, 60_000);
  afterAll(async () => {
    await app?.runtime.db.close();
    await app?.close();
    await pg?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('503 naming database while stopped, 200 once it is back', async () => {
    await request(app.server).get('/health/ready').expect(200);
    await pg.stop();
    const down = await request(app.server).get('/health/ready').expect(503);
    expect(down.body.failing).toEqual(['database']);
    expect(down.body.checks.database.status).toBe('down');
    const catalog = await request(app.server).get('/api/v1/fiscal-services/T-001').expect(503);
    expect(catalog.body.code).toBe('service_unavailable');
    expect(catalog.headers['retry-after']).toBe('5');

    pg = await startPostgresProcess(dataDir, port);
    const up = await request(app.server).get('/health/ready').expect(200);
    expect(up.body.ready).toBe(true);
  }, 60_000);
});
