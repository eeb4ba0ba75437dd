import { describe, expect, it } from 'vitest';
import { compareRatio, complement, decimalFraction } from './exact-ratio.js';

describe('exact ratios', () => {
  it.each([
    [0.97, 97n, 100n],
    [0.1, 1n, 10n],
    [3000, 3000n, 1n],
    [1e-7, 1n, 10_000_000n],
    [0.30000000000000004, 30000000000000004n, 100000000000000000n],
    [0, 0n, 1n],
  ])('%d is %d/%d as written', (value, numerator, denominator) => {
    expect(decimalFraction(value)).toEqual({ numerator, denominator });
  });

  it('compares count ratios with decimals without floating-point error', () => {
    const threshold = decimalFraction(0.97);
    expect(compareRatio(97, 100, threshold)).toBe(0);
    expect(compareRatio(291, 300, threshold)).toBe(0);
    expect(compareRatio(97_000_000, 100_000_000, threshold)).toBe(0);
    expect(compareRatio(9699, 10_000, threshold)).toBe(-1);
    expect(compareRatio(9701, 10_000, threshold)).toBe(1);
    expect(compareRatio(7, 10, decimalFraction(0.7))).toBe(0); // 7/10 in floating point is 0.7, 0.1*7 is not
  });

  it('takes the complement of a quantile exactly', () => {
    expect(complement(decimalFraction(0.95))).toEqual({ numerator: 5n, denominator: 100n });
    expect(complement(decimalFraction(0.999))).toEqual({ numerator: 1n, denominator: 1000n });
  });

  it('refuses a non-finite threshold', () => {
    expect(() => decimalFraction(Number.NaN)).toThrow(RangeError);
  });
});
