import { createLogger } from './logger';
import { extractTrace } from './trace';

function capture(level: 'debug' | 'info' | 'warning' | 'error' = 'debug', gcpProject?: string) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level, ...(gcpProject ? { gcpProject } : {}), write: (l) => lines.push(JSON.parse(l)) });
  return { logger, lines };
}

describe('logger', () => {
  it('writes one JSON object per entry in Cloud Logging format', () => {
    const { logger, lines } = capture();
    logger.child({ fn: 'health' }).info('ready', { ms: 3 });
    expect(lines).toEqual([{ severity: 'INFO', message: 'ready', time: expect.any(String), fn: 'health', ms: 3 }]);
  });

  it('drops entries below its level', () => {
    const { logger, lines } = capture('warning');
    logger.debug('a');
    logger.info('b');
    logger.warning('c');
    logger.error('d');
    expect(lines.map((l) => l.severity)).toEqual(['WARNING', 'ERROR']);
  });

  it('redacts secrets at any depth', () => {
    const { logger, lines } = capture();
    logger.info('login', {
      email: 'a@b.gq',
      password: 'hunter2',
      nested: { refreshToken: 'abc', headers: { authorization: 'Bearer x' } },
      list: [{ apiKey: 'k' }],
    });
    const text = JSON.stringify(lines);
    expect(text).not.toMatch(/hunter2|"abc"|Bearer x|"k"/);
    expect(lines[0]).toMatchObject({
      email: 'a@b.gq',
      password: '[REDACTED]',
      nested: { refreshToken: '[REDACTED]', headers: { authorization: '[REDACTED]' } },
    });
  });

  it('puts an error stack where Error Reporting finds it', () => {
    const { logger, lines } = capture();
    logger.error('boom', { err: new TypeError('bad') });
    logger.error('odd', { err: 'a string' });
    expect(lines[0]).toMatchObject({ severity: 'ERROR', errorName: 'TypeError', stack_trace: expect.stringContaining('TypeError: bad') });
    expect(lines[1]).toMatchObject({ error: 'a string' });
  });

  it('links entries to the request trace', () => {
    const { logger, lines } = capture('info', 'taxasge-prod');
    logger.withTrace({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true }).info('x');
    logger.withTrace(undefined).info('y');
    expect(lines[0]).toMatchObject({
      'logging.googleapis.com/trace': 'projects/taxasge-prod/traces/4bf92f3577b34da6a3ce929d0e0e4736',
      'logging.googleapis.com/spanId': '00f067aa0ba902b7',
      'logging.googleapis.com/trace_sampled': true,
    });
    expect(lines[1]).not.toHaveProperty('logging.googleapis.com/trace');
  });

  it('survives fields that cannot be serialised', () => {
    const { logger, lines } = capture();
    logger.info('big', { n: BigInt(1) });
    expect(lines[0]).toMatchObject({ message: 'big', note: 'fields not serialisable' });
  });
});

describe('extractTrace', () => {
  it.each([
    [
      { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
      { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true },
    ],
    [
      { traceparent: '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-00' },
      { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: false },
    ],
    [
      { 'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/1;o=1' },
      { traceId: '105445aa7843bc8bf206b12000100000', spanId: '0000000000000001', sampled: true },
    ],
    [{ 'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000' }, { traceId: '105445aa7843bc8bf206b12000100000' }],
    [{ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' }, undefined],
    [{ traceparent: 'garbage', 'x-cloud-trace-context': 'nope' }, undefined],
    [{}, undefined],
  ])('%j → %j', (headers, expected) => {
    expect(extractTrace(headers)).toEqual(expected);
  });
});
