import { createMetricEventLog } from './metric-event-log';

describe('metric event lines on stdout', () => {
  it('writes the lines raised by one run of code in one write, each a JSON line, before any I/O that follows', async () => {
    const writes: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (writes.push(String(chunk)), true));
    try {
      const log = createMetricEventLog({ now: () => new Date('2026-01-01T00:00:00Z') });
      log({ name: 'payments', labels: { status: 'succeeded', method: 'bange_card' }, value: 1 });
      log({ name: 'receipts_issued', labels: {}, value: 1 });
      log({ name: 'event_deliveries', labels: { subscription: 'apply-payment', outcome: 'processed' }, value: 1 });
      expect(writes).toEqual([]);
      await Promise.resolve();
      expect(writes).toHaveLength(1);
      const lines = writes[0]!.split('\n');
      expect(lines.pop()).toBe('');
      expect(lines.map((l) => (JSON.parse(l) as { metric: { name: string } }).metric.name)).toEqual(['payments', 'receipts_issued', 'event_deliveries']);
    } finally {
      spy.mockRestore();
    }
  });
});
