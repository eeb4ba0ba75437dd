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

/** A matcher made ready to test: its pattern compiled once. */
export type CompiledMatcher = (span: AttributeBag, resource: AttributeBag) => boolean;

/** Matchers tested through `matches`, compiled on first use. */
const compiled = new WeakMap<AttributeMatcher, CompiledMatcher>();

export function compileMatcher(matcher: AttributeMatcher): CompiledMatcher {
  const { attribute, equals, oneOf, present } = matcher;
  const onResource = matcher.on === 'resource';
  const pick = (span: AttributeBag, resource: AttributeBag) => (onResource ? resource : span)[attribute];
  if (present !== undefined) return (span, resource) => (pick(span, resource) !== undefined) === present;
  if (equals !== undefined) {
    const spelling = typeof equals === 'boolean' ? String(equals) : undefined;
    return (span, resource) => {
      const value = pick(span, resource);
      if (value === equals) return true;
      return spelling !== undefined && value !== undefined && String(value).toLowerCase() === spelling;
    };
  }
  if (oneOf !== undefined) {
    return (span, resource) => {
      const value = pick(span, resource);
      return typeof value === 'string' && oneOf.includes(value);
    };
  }
  if (matcher.pattern !== undefined) {
    const regex = new RegExp(matcher.pattern);
    return (span, resource) => {
      const value = pick(span, resource);
      return typeof value === 'string' && regex.test(value);
    };
  }
  return () => false;
}

export function matches(matcher: AttributeMatcher, span: AttributeBag, resource: AttributeBag): boolean {
  let test = compiled.get(matcher);
  if (test === undefined) {
    test = compileMatcher(matcher);
    compiled.set(matcher, test);
  }
  return test(span, resource);
}

export function matchesAny(
  matchers: readonly AttributeMatcher[],
  span: AttributeBag,
  resource: AttributeBag,
): boolean {
  for (const matcher of matchers) if (matches(matcher, span, resource)) return true;
  return false;
}
