/**
 * A mergeable latency sketch with bounded relative error (the DDSketch log-bucket mapping): a value
 * x > 0 goes to bin ceil(log_gamma(x)), and a bin is read back as the point whose relative distance
 * to both bin edges is the same, so every quantile is within RELATIVE_ACCURACY of a true value.
 * Sketches merge by adding bin counts, which is what Redis does per bucket.
 */
export const RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);

/** Values at or below one microsecond (in ms) share one bin read back as 0. */
const MIN_VALUE_MS = 0.001;
export const ZERO_BIN = -100_000;

/** Bin index -> count. */
export type SketchBins = Map<number, number>;

export function sketchBin(valueMs: number): number {
  if (!(valueMs > MIN_VALUE_MS)) return ZERO_BIN;
  return Math.ceil(Math.log(valueMs) / LOG_GAMMA);
}

export function binValue(bin: number): number {
  if (bin === ZERO_BIN) return 0;
  return (2 * GAMMA ** bin) / (GAMMA + 1);
}

export function addToSketch(bins: SketchBins, valueMs: number, count = 1): void {
  const bin = sketchBin(valueMs);
  bins.set(bin, (bins.get(bin) ?? 0) + count);
}

export function mergeSketch(target: SketchBins, source: ReadonlyMap<number, number>): void {
  for (const [bin, count] of source) target.set(bin, (target.get(bin) ?? 0) + count);
}

/**
 * The q-quantile (0..1) by the lower nearest rank, floor(q * (n - 1)) of the sorted values;
 * undefined for an empty sketch.
 */
export function sketchQuantile(bins: ReadonlyMap<number, number>, q: number): number | undefined {
  let total = 0;
  for (const count of bins.values()) total += count;
  if (total === 0) return undefined;
  const rank = Math.floor(Math.min(Math.max(q, 0), 1) * (total - 1));
  const sorted = [...bins.keys()].sort((a, b) => a - b);
  let seen = 0;
  for (const bin of sorted) {
    seen += bins.get(bin) ?? 0;
    if (seen > rank) return binValue(bin);
  }
  return binValue(sorted[sorted.length - 1] ?? ZERO_BIN);
}

/** Compact text form `bin:count;bin:count`, the same the Redis scripts read and write. */
export function encodeSketch(bins: ReadonlyMap<number, number>): string {
  const parts: string[] = [];
  for (const [bin, count] of bins) if (count !== 0) parts.push(`${bin}:${count}`);
  return parts.join(';');
}

export function decodeSketch(text: string, into: SketchBins = new Map()): SketchBins {
  if (text === '') return into;
  for (const part of text.split(';')) {
    const colon = part.indexOf(':');
    const bin = Number(part.slice(0, colon));
    const count = Number(part.slice(colon + 1));
    if (Number.isInteger(bin) && Number.isFinite(count)) into.set(bin, (into.get(bin) ?? 0) + count);
  }
  return into;
}
