import { describe, expect, it } from 'vitest';
import { formatWindowDuration, parseWindowDuration } from './window-duration.js';

describe('window durations', () => {
  it.each([
    ['2h', 7_200_000],
    ['24h', 86_400_000],
    ['90m', 5_400_000],
    ['1.5h', 5_400_000],
    ['45s', 45_000],
    ['60000', 60_000],
    [' 30m ', 1_800_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseWindowDuration(text)).toBe(ms);
  });

  it.each(['25h', '0s', '999ms', 'two hours', '', '-1h', '1d'])('rejects %j', (text) => {
    expect(() => parseWindowDuration(text)).toThrow(RangeError);
  });

  it('formats back to the shortest unit', () => {
    expect([7_200_000, 5_400_000, 45_000, 1500].map(formatWindowDuration)).toEqual([
      '2h',
      '90m',
      '45s',
      '1500ms',
    ]);
  });
});
