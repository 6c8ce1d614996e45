import { toE164 } from './phone-number';

describe('phone numbers for SMS', () => {
  it.each([
    ['+240 222 123 456', '+240222123456'],
    ['00240222123456', '+240222123456'],
    ['222 123 456', '+240222123456'],
    ['+34 600-123-456', '+34600123456'],
    ['(+240) 555 000 111', '+240555000111'],
  ])('%s is %s', (input, expected) => {
    expect(toE164(input)).toBe(expected);
  });

  it.each(['12345', '+0123456789', '2221234567', 'call me'])('%s cannot be used', (input) => {
    expect(toE164(input)).toBeUndefined();
  });
});
