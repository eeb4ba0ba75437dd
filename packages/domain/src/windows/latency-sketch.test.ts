import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addToSketch,
  decodeSketch,
  encodeSketch,
  mergeSketch,
  RELATIVE_ACCURACY,
  type SketchBins,
  sketchQuantile,
} from './latency-sketch.js';

function exactQuantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))] ?? Number.NaN;
}

describe('latency sketch', () => {
  it('every quantile is within 1% of the exact value (random latencies)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.01, max: 120_000, noNaN: true }), { minLength: 1, maxLength: 400 }),
        fc.constantFrom(0.5, 0.9, 0.95, 0.99, 0, 1),
        (values, q) => {
          const bins: SketchBins = new Map();
          for (const value of values) addToSketch(bins, value);
          const exact = exactQuantile(values, q);
          const estimate = sketchQuantile(bins, q) ?? Number.NaN;
          return Math.abs(estimate - exact) <= RELATIVE_ACCURACY * exact + 1e-9;
        },
      ),
      { numRuns: 300 },
    );
  });

  it('merging sketches equals sketching the union', () => {
    const a: SketchBins = new Map();
    const b: SketchBins = new Map();
    const both: SketchBins = new Map();
    for (let i = 1; i <= 500; i++) {
      addToSketch(i % 2 === 0 ? a : b, i * 3.7);
      addToSketch(both, i * 3.7);
    }
    mergeSketch(a, b);
    expect(a).toEqual(both);
  });

  it('zero latency reads back as 0 and an empty sketch has no quantile', () => {
    const bins: SketchBins = new Map();
    expect(sketchQuantile(bins, 0.5)).toBeUndefined();
    addToSketch(bins, 0);
    expect(sketchQuantile(bins, 0.99)).toBe(0);
  });

  it('encodes to the text form the Redis scripts use and back', () => {
    const bins: SketchBins = new Map();
    for (const value of [0, 0.5, 1, 250, 3000, 3000]) addToSketch(bins, value);
    const text = encodeSketch(bins);
    expect(text).toMatch(/^(-?\d+:\d+;)*-?\d+:\d+$/);
    expect(decodeSketch(text)).toEqual(bins);
    expect(decodeSketch('')).toEqual(new Map());
  });
});
