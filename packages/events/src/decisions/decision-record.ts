import { decisionKey, decisionSubjectOf } from './decision-key.js';
import {
  DECISION_KINDS,
  type DecisionCause,
  type DecisionKind,
  isSettled,
  type SubjectDecisions,
} from './decision-state.js';

/**
 * One record of the compacted decisions topic (docs/policy-engines.md): keyed by the subject's
 * decision key, the JSON subject as value, or null (a tombstone) when nothing applies any more.
 */
export interface DecisionRecord {
  key: string;
  value: string | null;
}

export function decisionRecord(subject: SubjectDecisions): DecisionRecord {
  return { key: subject.key, value: isSettled(subject) ? null : JSON.stringify(subject) };
}

/**
 * The records to write for a batch of changes, given what the topic holds now (key -> value,
 * absent: nothing): the last change of each key, and only where it differs from the topic. A batch
 * that re-applies events already written (a restart before its offsets were committed) writes
 * nothing, and a subject that changed and changed back within a batch is never shown half-way.
 */
export function recordsToWrite(
  changes: readonly SubjectDecisions[],
  written: ReadonlyMap<string, string>,
): DecisionRecord[] {
  const latest = new Map<string, SubjectDecisions>();
  for (const change of changes) {
    latest.delete(change.key);
    latest.set(change.key, change);
  }
  return [...latest.values()]
    .map(decisionRecord)
    .filter((record) => (written.get(record.key) ?? null) !== record.value);
}

/**
 * Reads one record of the decisions topic: the subject it names, with `decisions: []` for a
 * tombstone. A record that is not one (a foreign producer, a damaged value) is a problem, never a
 * decision: a reader must not enforce what it cannot read.
 */
export function parseDecisionRecord(
  key: Buffer | string | null,
  value: Buffer | string | null,
): { subject: SubjectDecisions } | { problem: string } {
  const keyText = key?.toString('utf8') ?? '';
  const named = decisionSubjectOf(keyText);
  if (named === undefined) return { problem: `record key ${JSON.stringify(keyText)} is not a decision key` };
  if (value === null || value.length === 0) {
    return { subject: { key: keyText, ...named, fallbackMode: null, decisions: [] } };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return { problem: `value is not JSON: ${(error as Error).message}` };
  }
  const problem = subjectProblem(parsed);
  if (problem !== null) return { problem };
  const subject = parsed as SubjectDecisions;
  if (subject.key !== keyText || decisionKey(subject) !== keyText) {
    return {
      problem: `value names ${JSON.stringify(subject.key)}, the record key is ${JSON.stringify(keyText)}`,
    };
  }
  return { subject };
}

function subjectProblem(value: unknown): string | null {
  if (!isObject(value)) return 'value is not a JSON object';
  if (typeof value.key !== 'string') return 'key missing';
  if (typeof value.server !== 'string' || value.server === '') return 'server missing';
  if (!(value.tool === null || typeof value.tool === 'string')) return 'tool must be a string or null';
  if (!(value.fallbackMode === null || typeof value.fallbackMode === 'string')) {
    return 'fallbackMode must be a string or null';
  }
  if (!Array.isArray(value.decisions)) return 'decisions must be an array';
  for (const decision of value.decisions) {
    const problem = decisionProblem(decision);
    if (problem !== null) return problem;
  }
  return value.lifted === undefined ? null : liftedProblem(value.lifted);
}

function liftedProblem(value: unknown): string | null {
  if (!isObject(value)) return 'lifted is not an object';
  const { eventId, since, actor, reason, until, causes } = value;
  if (![eventId, since, actor, reason].every((field) => typeof field === 'string')) {
    return 'lifted needs eventId, since, actor and reason';
  }
  if (!(until === null || (typeof until === 'string' && Number.isFinite(Date.parse(until))))) {
    return 'lifted.until must be a time or null';
  }
  return Array.isArray(causes) && causes.every(isCause) ? null : 'lifted.causes must be causes';
}

function decisionProblem(value: unknown): string | null {
  if (!isObject(value)) return 'a decision is not an object';
  if (!DECISION_KINDS.includes(value.kind as DecisionKind))
    return `unknown decision kind ${String(value.kind)}`;
  if (typeof value.since !== 'string') return 'a decision has no since';
  if (!Array.isArray(value.causes) || value.causes.length === 0) return 'a decision has no causes';
  return value.causes.every(isCause) ? null : 'a cause needs rule, since and eventId';
}

function isCause(value: unknown): value is DecisionCause {
  return (
    isObject(value) &&
    typeof value.rule === 'string' &&
    typeof value.since === 'string' &&
    typeof value.eventId === 'string' &&
    (value.actor === undefined || typeof value.actor === 'string') &&
    (value.reason === undefined || typeof value.reason === 'string')
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
