import type { BudgetwatchEvent } from './budgetwatch-event.js';
import { BUDGET_EVENT_TYPES, cloudEventType, EVENT_TYPES, OPERATOR_EVENT_TYPES } from './event-types.js';
import { operatorEventProblem } from './operator-events.js';

export type ParsedEvent =
  | { event: BudgetwatchEvent }
  | { reason: 'invalid_json' | 'not_a_budgetwatch_event'; detail: string };

const KNOWN_TYPES = new Set<string>(EVENT_TYPES.map(cloudEventType));
const BUDGET_TYPES = new Set<string>(BUDGET_EVENT_TYPES.map(cloudEventType));
const OPERATOR_TYPES = new Set<string>(OPERATOR_EVENT_TYPES.map(cloudEventType));

/**
 * Reads one record of budgetwatch.events for a consumer. It checks what a consumer relies on (the
 * envelope, the type, the series and, for budget events, the numbers), not every schema detail:
 * the JSON Schemas in `schemas/` are the full contract. Operator events, written from requests,
 * are checked whole.
 */
export function parseBudgetwatchEvent(value: Buffer | string | null): ParsedEvent {
  if (value === null) return { reason: 'invalid_json', detail: 'empty record' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString());
  } catch (error) {
    return { reason: 'invalid_json', detail: (error as Error).message };
  }
  const problem = envelopeProblem(parsed);
  if (problem !== null) return { reason: 'not_a_budgetwatch_event', detail: problem };
  return { event: parsed as BudgetwatchEvent };
}

function envelopeProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'not a JSON object';
  const event = value as Record<string, unknown>;
  if (event.specversion !== '1.0') return 'specversion is not "1.0"';
  if (typeof event.id !== 'string' || event.id === '') return 'no id';
  if (typeof event.type !== 'string' || !KNOWN_TYPES.has(event.type))
    return `unknown type ${String(event.type)}`;
  const data = event.data as Record<string, unknown> | undefined;
  if (typeof data !== 'object' || data === null) return 'no data';
  if (typeof data.server !== 'string' || data.server === '') return 'data.server missing';
  if (typeof data.rule !== 'string') return 'data.rule missing';
  if (typeof data.drill !== 'boolean') return 'data.drill missing';
  if (!(data.tool === null || typeof data.tool === 'string')) return 'data.tool must be a string or null';
  if (BUDGET_TYPES.has(event.type)) {
    for (const field of ['threshold', 'resolveThreshold', 'windowMs', 'part', 'whole', 'transition']) {
      if (typeof data[field] !== 'number') return `data.${field} must be a number`;
    }
    if (!Array.isArray(data.recoveryChecklist)) return 'data.recoveryChecklist must be an array';
  } else if (OPERATOR_TYPES.has(event.type)) {
    return operatorEventProblem(event.type, event.subject, data);
  } else if (event.type === cloudEventType('inventory.unregistered')) {
    if (!Array.isArray(data.tools)) return 'data.tools must be an array';
  } else if (typeof data.causedBy !== 'string') return 'data.causedBy missing';
  return null;
}
