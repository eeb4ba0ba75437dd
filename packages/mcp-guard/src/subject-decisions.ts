import {
  type DecisionKind,
  type SubjectDecisions as FeedSubject,
  type ActiveDecision as KnownDecision,
  OPERATOR_RULE,
} from '@budgetwatch/events';
import { z } from 'zod';

export type { DecisionCause, DecisionKind } from '@budgetwatch/events';

/**
 * The decisions in force on one subject, as the decision feed carries them
 * (docs/contract.md, "The decisions in force"; the types are packages/events'). Kinds the guard
 * does not know are kept and ignored, so a newer Budgetwatch can add kinds without breaking older
 * guards; a lift in force (`lifted`) is dropped, as nothing enforces a lifted freeze.
 */
export interface ActiveDecision extends Omit<KnownDecision, 'kind'> {
  kind: DecisionKind | (string & {});
}

export interface SubjectDecisions extends Omit<FeedSubject, 'decisions' | 'lifted'> {
  /** Empty: nothing applies to the subject any more. */
  decisions: ActiveDecision[];
}

/** The rule id of an operator's action among a decision's causes. */
export const OPERATOR_CAUSE = OPERATOR_RULE;

/** Feed text is hostile until bounded: names and ids are short, lists are capped. */
const MAX_NAME = 1024;
const MAX_TEXT = 4096;
const MAX_DECISIONS = 32;
const MAX_CAUSES = 64;

const causeSchema = z.object({
  rule: z.string().max(MAX_NAME),
  since: z.string().max(64),
  eventId: z.string().max(MAX_NAME),
  actor: z.string().max(MAX_TEXT).optional(),
  reason: z.string().max(MAX_TEXT).optional(),
});

const decisionSchema = z.object({
  kind: z.string().max(64),
  since: z.string().max(64),
  causes: z.array(causeSchema).max(MAX_CAUSES),
});

export const subjectDecisionsSchema = z.object({
  key: z
    .string()
    .min(1)
    .max(MAX_NAME * 3),
  server: z.string().min(1).max(MAX_NAME),
  tool: z.string().min(1).max(MAX_NAME).nullable(),
  fallbackMode: z.string().max(MAX_NAME).nullable(),
  decisions: z.array(decisionSchema).max(MAX_DECISIONS),
});

export const decisionSnapshotSchema = z.object({
  version: z.number().int().nonnegative(),
  decisions: z.array(subjectDecisionsSchema),
});

/** Parses a feed message's JSON text; undefined when it is not valid JSON of that shape. */
export function parseFeedJson<T>(schema: z.ZodType<T>, text: string): T | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
