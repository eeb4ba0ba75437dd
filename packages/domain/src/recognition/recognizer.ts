import {
  type AttributeBag,
  type AttributeMatcher,
  type CompiledMatcher,
  compileMatcher,
} from '../tool-calls/attribute-matcher.js';
import type { CallOutcome } from '../tool-calls/tool-call.js';
import { BUILT_IN_PROFILE_NAMES, BUILT_IN_PROFILES } from './built-in-profiles.js';
import {
  type OutcomeRules,
  type Perspective,
  type RecognitionProfile,
  type ServerIdSource,
  SPAN_KINDS,
} from './recognition-profile.js';

const STATUS_ERROR = 2;

/** The span fields recognition reads; the OTLP decoder's spans fit this shape. */
export interface RecognisableSpan {
  name: string;
  kind: number;
  statusCode: number;
  attributes: AttributeBag;
  resource: AttributeBag;
}

/** A profile made ready to run: its patterns compiled once, its conditions ordered cheapest first. */
export interface CompiledProfile {
  readonly profile: RecognitionProfile;
  /** Span attributes of which every span it matches has one (none: no such attribute). */
  readonly anchors: readonly string[];
  readonly name: string;
  readonly perspective: Perspective;
  matches(span: RecognisableSpan): boolean;
  toolName(span: RecognisableSpan): string | undefined;
  /** From the profile's server sources; undefined when none gives one. */
  serverId(span: RecognisableSpan): string | undefined;
  outcome(span: RecognisableSpan): CallOutcome;
  isDrill(span: RecognisableSpan): boolean;
  isFallback(span: RecognisableSpan): boolean;
}

/** The profiles in force, in the order they are tried. */
export interface Recognizer {
  readonly profiles: readonly CompiledProfile[];
  /** The first profile that matches the span, or undefined: not a tool call. */
  recognise(span: RecognisableSpan): CompiledProfile | undefined;
}

/** Which profiles are in force: the configured ones, then the built-ins not disabled. */
export interface RecognitionSettings {
  profiles: readonly RecognitionProfile[];
  /** Names of built-in profiles turned off. */
  disabled: readonly string[];
}

export const DEFAULT_RECOGNITION_SETTINGS: RecognitionSettings = { profiles: [], disabled: [] };

/** A problem with recognition settings, and the setting it is in. */
export interface RecognitionSettingsProblem {
  field: 'disabled' | 'profiles';
  message: string;
}

/** What is wrong with the settings (names unknown or taken twice); empty when they can be used. */
export function recognitionSettingsProblems(settings: RecognitionSettings): RecognitionSettingsProblem[] {
  const problems: RecognitionSettingsProblem[] = [];
  for (const name of settings.disabled) {
    if (!BUILT_IN_PROFILE_NAMES.includes(name)) {
      problems.push({
        field: 'disabled',
        message: `no built-in profile is named ${name} (${BUILT_IN_PROFILE_NAMES.join(', ')})`,
      });
    }
  }
  const seen = new Set<string>();
  for (const profile of settings.profiles) {
    if (BUILT_IN_PROFILE_NAMES.includes(profile.name)) {
      problems.push({
        field: 'profiles',
        message: `${profile.name} is a built-in profile's name; disable it and use another name`,
      });
    } else if (seen.has(profile.name)) {
      problems.push({ field: 'profiles', message: `${profile.name} is named twice` });
    }
    seen.add(profile.name);
  }
  return problems;
}

/** The profiles in force under `settings`, in the order they are tried. */
export function activeProfiles(settings: RecognitionSettings): RecognitionProfile[] {
  const disabled = new Set(settings.disabled);
  return [...settings.profiles, ...BUILT_IN_PROFILES.filter((profile) => !disabled.has(profile.name))];
}

/** Compiles the profiles in force; call once per configuration, not per span. */
export function compileRecognizer(settings: RecognitionSettings = DEFAULT_RECOGNITION_SETTINGS): Recognizer {
  const profiles = activeProfiles(settings).map(compileProfile);
  // Most spans are no tool call. When every profile needs one of a few span attributes, a span
  // with none of them is turned away after as many lookups.
  const anchors = profiles.every((profile) => profile.anchors.length > 0)
    ? new Set(profiles.flatMap((profile) => profile.anchors))
    : undefined;
  return {
    profiles,
    recognise(span) {
      if (anchors !== undefined && !hasAny(span.attributes, anchors)) return undefined;
      for (const profile of profiles) if (profile.matches(span)) return profile;
      return undefined;
    },
  };
}

/** Walks the span's few keys: faster than looking each anchor up in an object of unknown shape. */
function hasAny(attributes: AttributeBag, keys: ReadonlySet<string>): boolean {
  for (const key in attributes) if (keys.has(key)) return true;
  return false;
}

/**
 * Span attributes of which a span this profile matches has at least one; empty when the profile
 * matches without any (on the span name or resource alone, or on an attribute's absence).
 */
function anchorsOf(match: RecognitionProfile['match']): string[] {
  const required = (match.attributes ?? []).find(
    (matcher) => matcher.on !== 'resource' && matcher.present !== false,
  );
  if (required !== undefined) return [required.attribute];
  const any = match.anyAttributes ?? [];
  if (any.length > 0 && any.every((matcher) => matcher.on !== 'resource' && matcher.present !== false)) {
    return any.map((matcher) => matcher.attribute);
  }
  return [];
}

export function compileProfile(profile: RecognitionProfile): CompiledProfile {
  const { match } = profile;
  let kindMask = 0;
  for (const kind of match.spanKinds ?? Object.keys(SPAN_KINDS)) {
    kindMask |= 1 << SPAN_KINDS[kind as keyof typeof SPAN_KINDS];
  }
  const every = (match.attributes ?? []).map(compileMatcher);
  const some = (match.anyAttributes ?? []).map(compileMatcher);
  const spanName = match.spanName === undefined ? undefined : new RegExp(match.spanName);
  const toolFromName = profile.tool.spanName === undefined ? undefined : new RegExp(profile.tool.spanName);
  const servers = profile.server.map(compileServerSource);
  const outcome = compileOutcome(profile.outcome);
  return {
    profile,
    anchors: anchorsOf(match),
    name: profile.name,
    perspective: profile.perspective,
    // Cheapest first: a kind is an integer test, an attribute a property lookup, a name a regex.
    matches(span) {
      // Kinds outside 0-5 are unspecified.
      if ((kindMask & (1 << (span.kind >= 0 && span.kind <= 5 ? span.kind : 0))) === 0) return false;
      for (const test of every) if (!test(span.attributes, span.resource)) return false;
      if (some.length > 0 && !anyHolds(some, span)) return false;
      return spanName === undefined || spanName.test(span.name);
    },
    toolName(span) {
      for (const attribute of profile.tool.attributes) {
        const value = span.attributes[attribute];
        if (typeof value === 'string' && value !== '') return value;
      }
      const fromName = toolFromName?.exec(span.name)?.[1]?.trim();
      return fromName === undefined || fromName === '' ? undefined : fromName;
    },
    serverId(span) {
      for (const source of servers) {
        const id = source(span);
        if (id !== undefined) return id;
      }
      return undefined;
    },
    outcome: outcome.classify,
    isDrill: outcome.drill,
    isFallback: outcome.fallback,
  };
}

function anyHolds(tests: readonly CompiledMatcher[], span: RecognisableSpan): boolean {
  for (const test of tests) if (test(span.attributes, span.resource)) return true;
  return false;
}

function compileServerSource(source: ServerIdSource): (span: RecognisableSpan) => string | undefined {
  const onResource = source.on === 'resource';
  return (span) => {
    const bag = onResource ? span.resource : span.attributes;
    const value = bag[source.attribute];
    if (typeof value !== 'string' || value === '') return undefined;
    const port = source.port === undefined ? undefined : bag[source.port];
    return port === undefined || port === '' ? value : `${value}:${String(port)}`;
  };
}

function compileOutcome(rules: OutcomeRules) {
  const any = (matchers: readonly AttributeMatcher[]) => {
    const tests = matchers.map(compileMatcher);
    return (span: RecognisableSpan) => anyHolds(tests, span);
  };
  const error = any(rules.error);
  const blocked = any(rules.policyBlock);
  const expected = any(rules.policyBlockExpected);
  return {
    classify(span: RecognisableSpan): CallOutcome {
      // A block never reached the tool: it is a block, not an error, whatever the status says.
      if (blocked(span)) return expected(span) ? 'blocked_expected' : 'blocked_unexpected';
      if ((rules.statusError && span.statusCode === STATUS_ERROR) || error(span)) return 'error';
      return 'ok';
    },
    drill: any(rules.drill),
    fallback: any(rules.fallback),
  };
}
