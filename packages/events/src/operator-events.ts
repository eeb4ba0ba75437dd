import { randomInt } from 'node:crypto';
import { MAX_SERIES_NAME_LENGTH, OPERATOR_RULE } from '@budgetwatch/domain';
import { z } from 'zod';
import type { ResponderContext } from './budget-events.js';
import type { EventOfType } from './budgetwatch-event.js';
import { type DecisionSubject, decisionKey } from './decisions/decision-key.js';
import { cloudEventType, type OperatorEventType } from './event-types.js';

export { OPERATOR_RULE };
export const OPERATOR_SOURCE = 'budgetwatch/operator';

/** Longest `actor` (who acted) and `reason` (why), in UTF-16 code units. */
export const MAX_ACTOR_LENGTH = 128;
export const MAX_REASON_LENGTH = 500;
/** A timed lift lasts from one second to seven days. */
export const MIN_LIFT_MS = 1000;
export const MAX_LIFT_MS = 7 * 24 * 3_600_000;

const notBlank = (text: string) => text.trim() !== '';

/** A server or tool name as a series keeps it (inventory ids are shorter still). */
export const subjectNameSchema = z.string().min(1).max(MAX_SERIES_NAME_LENGTH);
export const actorSchema = z.string().max(MAX_ACTOR_LENGTH).refine(notBlank, 'must not be blank');
export const reasonSchema = z.string().max(MAX_REASON_LENGTH).refine(notBlank, 'must not be blank');
export const liftDurationSchema = z.number().int().min(MIN_LIFT_MS).max(MAX_LIFT_MS);

/** `data` of every operator event. */
export interface OperatorData {
  rule: typeof OPERATOR_RULE;
  scope: 'tool' | 'server';
  server: string;
  tool: string | null;
  /** A drill's operator action: it sets no decision, like every drill event. */
  drill: boolean;
  /** Who acted: free text from the request; shown through displayText. */
  actor: string;
  reason: string;
  /** From the inventory; null for a server it does not list. */
  fallbackMode: string | null;
  killSwitchOwner: string | null;
}

/** `data` of budgetwatch.freeze.lifted. */
export interface FreezeLiftData extends OperatorData {
  /** When the lift ends; null: until a lifted rule fires again. */
  until: string | null;
}

export type OperatorEvent = EventOfType<OperatorEventType>;

/** Types that act on a server only. */
const SERVER_ONLY: ReadonlySet<string> = new Set([
  cloudEventType('killswitch.engaged'),
  cloudEventType('killswitch.released'),
]);

const operatorDataSchema = z.strictObject({
  rule: z.literal(OPERATOR_RULE),
  scope: z.enum(['tool', 'server']),
  server: subjectNameSchema,
  tool: subjectNameSchema.nullable(),
  drill: z.boolean(),
  actor: actorSchema,
  reason: reasonSchema,
  fallbackMode: z.string().nullable(),
  killSwitchOwner: z.string().nullable(),
});
const liftDataSchema = operatorDataSchema.extend({ until: z.iso.datetime().nullable() });

/**
 * What is wrong with an operator event's data (after the envelope was checked), or null. Checks
 * every field and its bounds, and that scope, tool and subject agree.
 */
export function operatorEventProblem(type: string, subject: unknown, data: unknown): string | null {
  const schema = type === cloudEventType('freeze.lifted') ? liftDataSchema : operatorDataSchema;
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    return parsed.error.issues.map((issue) => `data.${issue.path.join('.')}: ${issue.message}`).join('; ');
  }
  const { scope, server, tool } = parsed.data;
  if ((scope === 'server') !== (tool === null)) return 'data.scope does not match data.tool';
  if (SERVER_ONLY.has(type) && tool !== null) return `${type} applies to a server, not a tool`;
  if (subject !== subjectOf({ server, tool })) return 'subject does not match data.server and data.tool';
  return null;
}

/**
 * When an operator event was made and what tells it apart: its id is
 * `operator/<decision key>/<atMs>/<nonce>/<type>`, so it reads like a transition id
 * (`positionOf` gives `{ epoch: atMs, transitions: nonce }`) and later events compare greater.
 */
export interface OperatorStamp {
  atMs: number;
  /** Random: two processes acting in the same millisecond make two ids. */
  nonce: number;
}

/**
 * Stamps that only grow within a process, even when the clock stands still or steps back: one
 * operator's engage then release in the same millisecond stay in that order.
 */
export class OperatorStamps {
  private lastMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: () => number = Date.now,
    private readonly nonce: () => number = () => randomInt(1_000_000_000),
  ) {}

  next(): OperatorStamp {
    const atMs = Math.max(Math.floor(this.clock()), this.lastMs + 1);
    this.lastMs = atMs;
    return { atMs, nonce: this.nonce() };
  }
}

export interface OperatorEventInput {
  type: OperatorEventType;
  /** A server (tool null) or a tool; the kill switch takes a server only. */
  subject: DecisionSubject;
  actor: string;
  reason: string;
  responder: Pick<ResponderContext, 'fallbackMode' | 'killSwitchOwner'>;
  stamp: OperatorStamp;
  /** freeze.lifted only: how long the lift lasts; null: until a lifted rule fires again. */
  liftMs?: number | null;
  drill?: boolean;
}

/** One operator event; throws on an input out of bounds (callers validate requests before). */
export function operatorEvent(input: OperatorEventInput): OperatorEvent {
  const type = cloudEventType(input.type);
  const { server, tool } = input.subject;
  const data: OperatorData = {
    rule: OPERATOR_RULE,
    scope: tool === null ? 'server' : 'tool',
    server,
    tool,
    drill: input.drill ?? false,
    actor: input.actor,
    reason: input.reason,
    fallbackMode: input.responder.fallbackMode,
    killSwitchOwner: input.responder.killSwitchOwner,
  };
  const liftMs = input.liftMs ?? null;
  if (liftMs !== null) liftDurationSchema.parse(liftMs);
  const event = {
    specversion: '1.0',
    id: `${OPERATOR_RULE}/${decisionKey(input.subject)}/${input.stamp.atMs}/${input.stamp.nonce}/${input.type}`,
    source: OPERATOR_SOURCE,
    type,
    subject: subjectOf(input.subject),
    time: new Date(input.stamp.atMs).toISOString(),
    datacontenttype: 'application/json',
    data:
      input.type === 'freeze.lifted'
        ? {
            ...data,
            until: liftMs === null ? null : new Date(input.stamp.atMs + liftMs).toISOString(),
          }
        : data,
  } as OperatorEvent;
  const problem = operatorEventProblem(type, event.subject, event.data);
  if (problem !== null) throw new Error(`invalid ${type}: ${problem}`);
  return event;
}

/** The CloudEvents subject, as the evaluator writes it: `<server>` or `<server>/<tool>`. */
function subjectOf({ server, tool }: DecisionSubject): string {
  return tool === null ? server : `${server}/${tool}`;
}
