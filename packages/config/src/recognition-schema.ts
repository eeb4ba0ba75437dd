import {
  DEFAULT_OUTCOME_RULES,
  type RecognitionProfile,
  type RecognitionSettings,
  recognitionSettingsProblems,
  SPAN_KINDS,
  type SpanKindName,
} from '@budgetwatch/domain';
import { z } from 'zod';
import { attributeMatcherSchema, regexSchema } from './attribute-matcher-schema.js';

const matchers = z.array(attributeMatcherSchema);
const spanKindSchema = z.enum(Object.keys(SPAN_KINDS) as [SpanKindName, ...SpanKindName[]]);

/** A pattern with a capture group: the group is the tool name. */
const captureSchema = regexSchema.refine(
  (text) => (new RegExp(`${text}|`).exec('')?.length ?? 1) > 1,
  'needs a capture group: the tool name',
);

/** One configured profile (docs/contract.md#2-input-tool-call-spans; README "Recognition profiles"). */
const profileSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits and . _ - only')
    .max(64),
  description: z.string().default('configured profile'),
  perspective: z.enum(['client', 'server']),
  match: z
    .strictObject({
      attributes: matchers.optional(),
      anyAttributes: matchers.min(1).optional(),
      spanKinds: z.array(spanKindSchema).min(1).optional(),
      spanName: regexSchema.optional(),
    })
    .refine(
      (match) =>
        (match.attributes?.length ?? 0) > 0 ||
        match.anyAttributes !== undefined ||
        match.spanName !== undefined,
      'match on at least one attribute or the span name',
    ),
  tool: z
    .strictObject({
      attributes: z.array(z.string().min(1)).default([]),
      spanName: captureSchema.optional(),
    })
    .refine(
      (tool) => tool.attributes.length > 0 || tool.spanName !== undefined,
      'name an attribute or a span-name pattern',
    ),
  server: z
    .array(
      z.strictObject({
        attribute: z.string().min(1),
        on: z.enum(['span', 'resource']).default('span'),
        port: z.string().min(1).optional(),
      }),
    )
    .default([]),
  /** Absent lists keep the defaults (the semantic conventions plus budgetwatch.*). */
  outcome: z
    .strictObject({
      statusError: z.boolean().optional(),
      error: matchers.optional(),
      policyBlock: matchers.optional(),
      policyBlockExpected: matchers.optional(),
      fallback: matchers.optional(),
      drill: matchers.optional(),
    })
    .default({}),
});

export const recognitionConfigSchema = z
  .strictObject({
    /** Built-in profiles turned off, by name. */
    disabled: z.array(z.string().min(1)).default([]),
    /** The operator's own profiles, tried before the built-in ones, in this order. */
    profiles: z.array(profileSchema).default([]),
  })
  .superRefine((recognition, context) => {
    for (const { field, message } of recognitionSettingsProblems(toRecognitionSettings(recognition))) {
      context.addIssue({ code: 'custom', path: [field], message });
    }
  });

export type RecognitionConfig = z.infer<typeof recognitionConfigSchema>;

/** The configured recognition as the domain runs it: outcome lists left out take the defaults. */
export function toRecognitionSettings(recognition: RecognitionConfig): RecognitionSettings {
  return {
    disabled: recognition.disabled,
    profiles: recognition.profiles.map(
      ({ outcome, ...profile }): RecognitionProfile => ({
        ...profile,
        outcome: {
          statusError: outcome.statusError ?? DEFAULT_OUTCOME_RULES.statusError,
          error: outcome.error ?? DEFAULT_OUTCOME_RULES.error,
          policyBlock: outcome.policyBlock ?? DEFAULT_OUTCOME_RULES.policyBlock,
          policyBlockExpected: outcome.policyBlockExpected ?? DEFAULT_OUTCOME_RULES.policyBlockExpected,
          fallback: outcome.fallback ?? DEFAULT_OUTCOME_RULES.fallback,
          drill: outcome.drill ?? DEFAULT_OUTCOME_RULES.drill,
        },
      }),
    ),
  };
}
