/**
 * shared/topology/topology.json is what Terraform deploys and what the code wires: every function it
 * names exists and every function folder is deployed; every scheduled path is a route of its function
 * and every job route is scheduled; every subscription has a handler and every handler a subscription.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { RouteDefinition } from '../shared/http/route';
import { TOPICS } from '../shared/ports/event-bus.port';
import { subscriptionsOf } from '../shared/runtime/events';
import { paymentSubscriptionHandlers } from '../shared/runtime/payment-application';
import { eventFunctionBinding } from '../shared/runtime/subscriptions';
import { setRuntime } from '../shared/runtime/runtime';
import { subscriptionNames, topology } from '../shared/topology/topology';
import { FUNCTIONS_DIR } from '../scripts/local/local-server';
import { readRewrites } from '../scripts/local/rewrites';
import { createTestApp, type TestApp } from './support/test-app';

const folders = readdirSync(FUNCTIONS_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();
const httpIds = Object.keys(topology.httpFunctions).sort();
const eventIds = Object.keys(topology.eventFunctions).sort();
type RouteModule = { definitions: readonly RouteDefinition[]; routes: { definition: RouteDefinition }[] };
const routesOf = (id: string) => (require(path.join(FUNCTIONS_DIR, id)) as RouteModule).routes.map((r) => r.definition);

describe('the topology and the functions', () => {
  it('deploys every function folder, and every function it names has its folder', () => {
    expect([...httpIds, ...eventIds].sort()).toEqual(folders);
    expect(httpIds.filter((id) => eventIds.includes(id))).toEqual([]);
  });

  it('deploys as HTTP functions exactly the folders that serve routes', () => {
    expect(folders.filter((id) => 'routes' in (require(path.join(FUNCTIONS_DIR, id)) as object))).toEqual(httpIds);
  });

  it('puts exactly the public HTTP functions behind Hosting (firebase.json)', () => {
    const routed = [...new Set(readRewrites().map((r) => r.functionId))].sort();
    expect(routed).toEqual(httpIds.filter((id) => topology.httpFunctions[id as keyof typeof topology.httpFunctions].public));
  });
});

describe('the topology and the scheduled jobs', () => {
  const jobs = Object.entries(topology.jobs);

  it.each(jobs)('%s: POSTs a route its function serves', (_name, job) => {
    expect(
      routesOf(job.function)
        .filter((r) => r.method === 'post' && r.path === job.path)
        .map((r) => r.path),
    ).toEqual([job.path]);
  });

  it('schedules every job route of every function', () => {
    const scheduled = new Set(jobs.map(([, j]) => `${j.function} ${j.path}`));
    const jobRoutes = httpIds.flatMap((id) =>
      routesOf(id)
        .filter((r) => r.path.startsWith('/jobs/'))
        .map((r) => `${id} ${r.path}`),
    );
    expect(jobRoutes.filter((r) => !scheduled.has(r))).toEqual([]);
    expect(jobs.map(([, j]) => j.schedule).every((cron) => cron.split(' ').length === 5)).toBe(true);
  });
});

describe('the topology and the events', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    setRuntime(undefined);
    await app.close();
  });

  it('names only topics the event port knows, each consumed, each published by someone', () => {
    const topics = Object.keys(topology.topics);
    expect(topics.filter((t) => !(TOPICS as readonly string[]).includes(t))).toEqual([]);
    for (const topic of topics) expect([topic, Object.values(topology.subscriptions).some((s) => s.topic === topic)]).toEqual([topic, true]);
    // Cloud Storage publishes the topics of its bucket notifications (locally the storage handler does).
    const publishers = [
      ...Object.values(topology.httpFunctions),
      ...Object.values(topology.eventFunctions),
      { publishes: Object.values(topology.storageNotifications).map((n) => n.topic) },
    ].flatMap((f) => f.publishes);
    for (const topic of topics) expect([topic, publishers.includes(topic as never)]).toEqual([topic, true]);
    expect(publishers.filter((t) => !topics.includes(t))).toEqual([]);
  });

  it('gives every subscription an event function and every event function a subscription (dead letters aside)', () => {
    for (const s of Object.values(topology.subscriptions)) expect(eventIds).toContain(s.function);
    const consumers = new Set(Object.values(topology.subscriptions).map((s) => s.function));
    expect(eventIds.filter((id) => !consumers.has(id as never))).toEqual([topology.deadLetters.function]);
  });

  it('wires a handler to every subscription, with the one retry policy Pub/Sub accepts', () => {
    const wired = subscriptionsOf();
    expect(wired.map((s) => s.name)).toEqual(subscriptionNames);
    for (const s of wired) {
      expect(typeof s.handler).toBe('function');
      expect(s.topic).toBe(topology.subscriptions[s.name as keyof typeof topology.subscriptions].topic);
      expect(s.maxDeliveryAttempts).toBe(topology.delivery.maxDeliveryAttempts);
    }
    expect(topology.delivery.maxDeliveryAttempts).toBeGreaterThanOrEqual(5);
    expect(topology.delivery.maxDeliveryAttempts).toBeLessThanOrEqual(100);
  });

  it("refuses, when an event function loads, wiring that lacks a handler for one of the function's subscriptions", () => {
    expect(() => eventFunctionBinding('notify-payer', paymentSubscriptionHandlers)).toThrow(
      'event function notify-payer: no handler for subscription(s) notify-payer',
    );
    expect(() => eventFunctionBinding('apply-payment', paymentSubscriptionHandlers)).not.toThrow();
  });
});
