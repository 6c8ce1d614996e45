/**
 * The deployed shape, read from topology.json: the same file Terraform reads (terraform/modules/stack),
 * so a function, a subscription, a retry policy or a scheduled job cannot exist on one side only.
 */
import type { Topic } from '../ports/event-bus.port';
import topologyJson from './topology.json';

type Json = typeof topologyJson;

export type HttpFunctionId = keyof Json['httpFunctions'];
export type EventFunctionId = keyof Json['eventFunctions'];
export type FunctionId = HttpFunctionId | EventFunctionId;
export type SubscriptionName = keyof Json['subscriptions'];
export type JobName = keyof Json['jobs'];

export interface HttpFunctionSpec {
  description: string;
  memory: string;
  public: boolean;
  secrets: string[];
  publishes: Topic[];
}

export interface EventFunctionSpec {
  description: string;
  /** Memory of one instance; the event-function module's default (256Mi) when absent. */
  memory?: string;
  secrets: string[];
  publishes: Topic[];
}

export interface SubscriptionSpec {
  topic: Topic;
  function: EventFunctionId;
}

export interface JobSpec {
  function: HttpFunctionId;
  path: string;
  schedule: string;
  description: string;
}

export interface DeliveryPolicy {
  /** Deliveries before Pub/Sub (and the in-process bus) dead-letters a message: 5..100. */
  maxDeliveryAttempts: number;
  minimumBackoff: string;
  maximumBackoff: string;
  ackDeadlineSeconds: number;
  deadLetterRetention: string;
}

export interface Topology {
  delivery: DeliveryPolicy;
  topics: Record<Topic & keyof Json['topics'], { description: string }>;
  httpFunctions: Record<HttpFunctionId, HttpFunctionSpec>;
  eventFunctions: Record<EventFunctionId, EventFunctionSpec>;
  subscriptions: Record<SubscriptionName, SubscriptionSpec>;
  /** Buckets whose object events Cloud Storage publishes to a topic (the documents bucket's finalized uploads). */
  storageNotifications: Record<'documents', { topic: Topic; eventTypes: string[]; description: string }>;
  /** Every subscription's dead-letter topic is pushed to this function. */
  deadLetters: { function: EventFunctionId };
  jobs: Record<JobName, JobSpec>;
  /** Cloud Scheduler's time zone, and the day of reconciliation. */
  timeZone: string;
}

// The JSON's string values widen to string; the checks in test/topology.test.ts hold them to these types.
export const topology = topologyJson as unknown as Topology;

export const subscriptionNames = Object.keys(topology.subscriptions) as SubscriptionName[];

/** Pub/Sub's dead-letter topic (and its push subscription) of a subscription. */
export const deadLetterTopicOf = (subscription: string): string => `${subscription}-dead-letter`;

/** The subscription a dead-letter topic belongs to, or undefined when it is not one. */
export function subscriptionOfDeadLetterTopic(topic: string): SubscriptionName | undefined {
  return subscriptionNames.find((s) => deadLetterTopicOf(s) === topic);
}

/** The subscriptions an event function serves, in the topology's order. */
export const subscriptionsServedBy = (fn: EventFunctionId): SubscriptionName[] => subscriptionNames.filter((s) => topology.subscriptions[s].function === fn);
