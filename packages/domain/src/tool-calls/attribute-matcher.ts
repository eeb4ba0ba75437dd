/** A span attribute value as the matchers see it (the OTLP decoder's output is assignable). */
export type MatchableValue =
  | string
  | number
  | boolean
  | readonly unknown[]
  | { readonly [key: string]: unknown };
export type AttributeBag = Readonly<Record<string, MatchableValue>>;

/**
 * A condition on one attribute of the span (or of its resource). Exactly one of `equals`, `oneOf`,
 * `present` or `pattern` applies. Booleans also match their string spelling ("true").
 */
export interface AttributeMatcher {
  attribute: string;
  on?: 'span' | 'resource';
  equals?: string | number | boolean;
  oneOf?: readonly string[];
  present?: boolean;
  pattern?: string;
}

const compiledPatterns = new Map<string, RegExp>();

export function matches(matcher: AttributeMatcher, span: AttributeBag, resource: AttributeBag): boolean {
  const bag = matcher.on === 'resource' ? resource : span;
  const value = bag[matcher.attribute];
  if (matcher.present !== undefined) return (value !== undefined) === matcher.present;
  if (value === undefined) return false;
  if (matcher.equals !== undefined) {
    if (value === matcher.equals) return true;
    return typeof matcher.equals === 'boolean' && String(value).toLowerCase() === String(matcher.equals);
  }
  if (matcher.oneOf !== undefined) return typeof value === 'string' && matcher.oneOf.includes(value);
  if (matcher.pattern !== undefined) {
    let regex = compiledPatterns.get(matcher.pattern);
    if (regex === undefined) {
      regex = new RegExp(matcher.pattern);
      compiledPatterns.set(matcher.pattern, regex);
    }
    return typeof value === 'string' && regex.test(value);
  }
  return false;
}

export function matchesAny(
  matchers: readonly AttributeMatcher[],
  span: AttributeBag,
  resource: AttributeBag,
): boolean {
  for (const matcher of matchers) if (matches(matcher, span, resource)) return true;
  return false;
}
