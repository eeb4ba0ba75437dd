/**
 * Exact comparisons of a count ratio with a decimal threshold. Rules compare counts (97 of 100)
 * with thresholds written in decimal (0.97); doing it in floating point would make "exactly 97%"
 * fall on either side depending on the counts.
 */
export interface Fraction {
  numerator: bigint;
  denominator: bigint;
}

/**
 * Fractions already worked out, by value: a sweep or a status report measures every series
 * against the same few thresholds, and working one out from its decimal text is most of the cost
 * of a measurement. Bounded, in case values are not thresholds.
 */
const known = new Map<number, Readonly<Fraction>>();
const KNOWN_MAX = 1024;

/** The exact value of a decimal number as written in JavaScript (0.97 -> 97/100). */
export function decimalFraction(value: number): Readonly<Fraction> {
  const fraction = known.get(value) ?? exactFraction(value);
  if (known.size >= KNOWN_MAX) known.clear();
  known.set(value, fraction);
  return fraction;
}

function exactFraction(value: number): Fraction {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  const [mantissa = '0', exponentText] = value.toExponential().split('e');
  const exponent = Number(exponentText ?? 0);
  const [whole = '0', decimals = ''] = mantissa.replace('-', '').split('.');
  const digits = BigInt(whole + decimals) * (value < 0 ? -1n : 1n);
  const scale = exponent - decimals.length;
  return scale >= 0
    ? { numerator: digits * 10n ** BigInt(scale), denominator: 1n }
    : { numerator: digits, denominator: 10n ** BigInt(-scale) };
}

/** Sign of part/whole - fraction: -1, 0 or 1 (whole > 0). */
export function compareRatio(part: number, whole: number, fraction: Readonly<Fraction>): -1 | 0 | 1 {
  const left = BigInt(part) * fraction.denominator;
  const right = fraction.numerator * BigInt(whole);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** 1 - fraction, exactly (the share of calls allowed above a quantile). */
export function complement(fraction: Readonly<Fraction>): Fraction {
  return { numerator: fraction.denominator - fraction.numerator, denominator: fraction.denominator };
}
