/** What each kind of visit does, request by request: the one definition the model counts and the rehearsal replays. */

/** One kind of request (or Pub/Sub delivery, or scheduled call), served by one function. */
export const OPERATIONS = {
  'catalog.read': { fn: 'fiscal-services', db: 'cache-then-db' },
  'auth.login': { fn: 'auth', db: 'write' },
  'auth.me': { fn: 'auth', db: 'read' },
  'declaration.create': { fn: 'declarations', db: 'write' },
  'declaration.submit': { fn: 'declarations', db: 'write' },
  'declaration.get': { fn: 'declarations', db: 'read' },
  'declaration.list': { fn: 'declarations', db: 'read' },
  'agent.queue': { fn: 'agent', db: 'read' },
  'agent.claim': { fn: 'agent', db: 'write' },
  'agent.approve': { fn: 'agent', db: 'write' },
  'payment.create': { fn: 'payments', db: 'write' },
  'payment.get': { fn: 'payments', db: 'read' },
  'receipt.get': { fn: 'payments', db: 'read' },
  'webhook.bange': { fn: 'webhooks', db: 'write' },
  'event.apply-payment': { fn: 'apply-payment', db: 'write' },
  'event.issue-receipt': { fn: 'issue-receipt', db: 'write' },
  'event.notify-payer': { fn: 'notify-payer', db: 'write' },
  'event.notifications': { fn: 'notifications', db: 'write' },
  'job.run': { fn: 'jobs', db: 'write' },
  'health.check': { fn: 'health', db: 'read' },
} as const satisfies Record<string, { fn: string; db: 'read' | 'write' | 'cache-then-db' }>;

export type Operation = keyof typeof OPERATIONS;
export type Steps = Partial<Record<Operation, number>>;

/** Declaration events of one flow (each published once to declaration-events, delivered once to notifications). */
export interface Flow {
  description: string;
  steps: Steps;
  /** Publishes: payment-events (webhook), payment-applied (apply-payment), declaration-events (every transition). */
  published: { 'payment-events': number; 'payment-applied': number; 'declaration-events': number };
  /** Privileged actions appended to the hash-chained audit log. */
  audited: number;
}

/**
 * A service fee: find the tasa, log in, create (quote, awaiting_payment), pay at BANGE, wait for the receipt;
 * then paid → auto-approved or queued for an agent (40 % are above the ministries' thresholds, assumption).
 */
const REVIEWED_SHARE = 0.4;
const payment = (webhookDuplicates: number): Steps => ({
  'payment.create': 1,
  'payment.get': 2,
  'receipt.get': 2,
  'webhook.bange': 1 + webhookDuplicates,
  'event.apply-payment': 1 + webhookDuplicates,
  'event.issue-receipt': 1,
  'event.notify-payer': 1,
});

export function flows(webhookDuplicates: number): Record<'serviceFee' | 'taxReturn' | 'browse', Flow> {
  const pay = payment(webhookDuplicates);
  return {
    serviceFee: {
      description: 'a tasa paid online: catalog, login, create, pay, receipt; 40 % reviewed by an agent',
      steps: {
        'catalog.read': 4,
        'auth.login': 1,
        'auth.me': 1,
        'declaration.create': 1,
        'declaration.get': 2,
        'declaration.list': 1,
        ...pay,
        'agent.queue': 2 * REVIEWED_SHARE,
        'agent.claim': REVIEWED_SHARE,
        'agent.approve': REVIEWED_SHARE,
        // awaiting_payment, paid, completed (auto) | in_review → completed
        'event.notifications': 3 + REVIEWED_SHARE,
      },
      published: { 'payment-events': 1 + webhookDuplicates, 'payment-applied': 1, 'declaration-events': 3 + REVIEWED_SHARE },
      audited: 2 * REVIEWED_SHARE,
    },
    taxReturn: {
      description: 'a tax return: login, create, submit, reviewed and approved by an agent, paid, receipt',
      steps: {
        'catalog.read': 1,
        'auth.login': 1,
        'auth.me': 1,
        'declaration.create': 1,
        'declaration.submit': 1,
        'declaration.get': 3,
        'declaration.list': 2,
        'agent.queue': 2,
        'agent.claim': 1,
        'agent.approve': 1,
        ...pay,
        // submitted, in_review, approved, paid, completed
        'event.notifications': 5,
      },
      published: { 'payment-events': 1 + webhookDuplicates, 'payment-applied': 1, 'declaration-events': 5 },
      audited: 2,
    },
    browse: {
      description: 'someone reading the catalog: a search and two services',
      steps: { 'catalog.read': 3 },
      published: { 'payment-events': 0, 'payment-applied': 0, 'declaration-events': 0 },
      audited: 0,
    },
  };
}

/** Scheduled calls a day, from the topology's crons (every minute ×2, every 5 min ×2, every 15 min, daily). */
export function scheduledCallsPerDay(schedules: string[]): number {
  return schedules.reduce((sum, cron) => {
    const minute = cron.split(' ')[0]!;
    const hour = cron.split(' ')[1]!;
    if (minute === '*') return sum + 1440;
    const every = /^\*\/(\d+)$/.exec(minute);
    if (every) return sum + 1440 / Number(every[1]);
    return sum + (hour === '*' ? 24 : 1);
  }, 0);
}
