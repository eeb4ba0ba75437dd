import { z } from 'zod';

/**
 * The decisions in force on one subject, as the decision feed carries them
 * (docs/contract.md, "The decisions in force"). Kinds the guard does not know are kept and
 * ignored, so a newer Budgetwatch can add kinds without breaking older guards.
 */
export type DecisionKind =
  | 'frozen'
  | 'concurrency_lowered'
  | 'audit_requested'
  | 'incident_open'
  | 'expansion_halted'
  | 'kill_switch';

export interface DecisionCause {
  /** A rule id, `crs-gate`, or `operator` for an operator's action. */
  rule: string;
  since: string;
  eventId: string;
  actor?: string;
  reason?: string;
}

export interface ActiveDecision {
  kind: DecisionKind | (string & {});
  since: string;
  causes: DecisionCause[];
}

export interface SubjectDecisions {
  key: string;
  server: string;
  tool: string | null;
  fallbackMode: string | null;
  /** Empty: nothing applies to the subject any more. */
  decisions: ActiveDecision[];
}

/** The rule id of an operator's action among a decision's causes. */
export const OPERATOR_CAUSE = 'operator';

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
