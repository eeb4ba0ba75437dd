import type { ActionEvent, BudgetwatchEvent } from '../budgetwatch-event.js';
import { isActionEvent } from '../budgetwatch-event.js';
import type { ActionEventType } from '../event-types.js';
import { type DecisionSubject, decisionKey } from './decision-key.js';

/** What a policy engine or a guard enforces on a server or a tool (docs/contract.md, "The decisions in force"). */
export type DecisionKind =
  | 'frozen'
  | 'concurrency_lowered'
  | 'audit_requested'
  | 'incident_open'
  | 'expansion_halted';

export const DECISION_KINDS: readonly DecisionKind[] = [
  'frozen',
  'concurrency_lowered',
  'audit_requested',
  'incident_open',
  'expansion_halted',
];

/** One rule (or the CRS gate) holding a decision in place. */
export interface DecisionCause {
  rule: string;
  /** When this cause set the decision (the event's time). */
  since: string;
  /** The event that set it. */
  eventId: string;
}

export interface ActiveDecision {
  kind: DecisionKind;
  /** The earliest `since` of its causes: how long the decision has held without a gap. */
  since: string;
  /** Every rule that holds it; it ends when the last one lets go. Ordered by rule id. */
  causes: DecisionCause[];
}

/** The decisions in force on one subject; `decisions` is empty when nothing applies any more. */
export interface SubjectDecisions extends DecisionSubject {
  key: string;
  /** The inventory's fallback mode for the server, as the latest action event carried it. */
  fallbackMode: string | null;
  decisions: ActiveDecision[];
}

/** An action event type's effect: set or clear a kind. audit.requested has no clearing event. */
const EFFECTS: Readonly<Record<ActionEventType, { kind: DecisionKind; set: boolean }>> = {
  'traffic.frozen': { kind: 'frozen', set: true },
  'traffic.unfrozen': { kind: 'frozen', set: false },
  'concurrency.lowered': { kind: 'concurrency_lowered', set: true },
  'concurrency.restored': { kind: 'concurrency_lowered', set: false },
  'audit.requested': { kind: 'audit_requested', set: true },
  'incident.opened': { kind: 'incident_open', set: true },
  'incident.resolved': { kind: 'incident_open', set: false },
  'expansion.halted': { kind: 'expansion_halted', set: true },
  'expansion.resumed': { kind: 'expansion_halted', set: false },
};

/** Where a transition sits in its rule's history on a series: later transitions compare greater. */
interface Position {
  epoch: number;
  transitions: number;
}

interface SubjectEntry {
  subject: DecisionSubject;
  fallbackMode: string | null;
  /** kind -> rule -> cause. */
  causes: Map<DecisionKind, Map<string, DecisionCause>>;
  /** rule -> the latest transition applied, so a replayed older event changes nothing. */
  applied: Map<string, Position>;
}

/**
 * The current decisions, folded from the event stream. Applying an event is idempotent and an
 * event older than one already applied for the same rule and subject changes nothing, so the
 * stream's at-least-once delivery (a re-published batch, a consumer replaying from its last
 * commit) converges to the same state. Drill events never set a decision: a drill exercises
 * detection and alerting, never enforcement on real traffic.
 */
export class DecisionBook {
  private readonly subjects = new Map<string, SubjectEntry>();
  private changes = 0;

  /** How many changes have been applied: it grows by one per changed subject. */
  get version(): number {
    return this.changes;
  }

  /** Applies one event; returns the subjects whose decisions it changed, as they are now. */
  apply(event: BudgetwatchEvent): SubjectDecisions[] {
    if (event.data.drill) return [];
    if (isActionEvent(event)) return this.applyAction(event);
    // budget.recovered ends the audit its breach requested: the action has no event of its own.
    if (event.type === 'budgetwatch.budget.recovered') {
      return this.applyEffect(event, { kind: 'audit_requested', set: false }, event.data.fallbackMode);
    }
    return [];
  }

  /** Every subject with at least one decision in force, ordered by key. */
  current(): SubjectDecisions[] {
    return [...this.subjects.values()]
      .map(snapshotOf)
      .filter((subject) => subject.decisions.length > 0)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** The decisions on one subject (empty when none is in force). */
  get(subject: DecisionSubject): SubjectDecisions {
    const entry = this.subjects.get(decisionKey(subject));
    return entry === undefined ? snapshotOf(newEntry(subject)) : snapshotOf(entry);
  }

  /**
   * Sets a subject's decisions as a feed last published them (the compacted decisions topic), so
   * a folder that restarts continues from the state it wrote rather than from nothing. Each
   * cause's event counts as applied: a replayed older transition of its rule changes nothing.
   */
  restore(snapshot: SubjectDecisions): void {
    const subject: DecisionSubject = { server: snapshot.server, tool: snapshot.tool };
    const entry = newEntry(subject);
    entry.fallbackMode = snapshot.fallbackMode;
    for (const decision of snapshot.decisions) {
      const holders = new Map<string, DecisionCause>();
      for (const cause of decision.causes) {
        holders.set(cause.rule, { ...cause });
        const position = positionOf(cause.eventId);
        const latest = entry.applied.get(cause.rule);
        if (position !== undefined && (latest === undefined || isBefore(latest, position))) {
          entry.applied.set(cause.rule, position);
        }
      }
      entry.causes.set(decision.kind, holders);
    }
    this.subjects.set(decisionKey(subject), entry);
  }

  private applyAction(event: ActionEvent): SubjectDecisions[] {
    const effect = EFFECTS[event.type.slice('budgetwatch.'.length) as ActionEventType];
    return this.applyEffect(event, effect, event.data.fallbackMode);
  }

  private applyEffect(
    event: BudgetwatchEvent,
    effect: { kind: DecisionKind; set: boolean },
    fallbackMode: string | null,
  ): SubjectDecisions[] {
    const subject: DecisionSubject = { server: event.data.server, tool: event.data.tool };
    const key = decisionKey(subject);
    const entry = this.subjects.get(key) ?? newEntry(subject);
    const rule = event.data.rule;
    const position = positionOf(event.id);
    const latest = entry.applied.get(rule);
    if (position !== undefined && latest !== undefined && isBefore(position, latest)) return [];

    if (position !== undefined) entry.applied.set(rule, position);
    const holders = entry.causes.get(effect.kind) ?? new Map<string, DecisionCause>();
    let changed = fallbackMode !== null && fallbackMode !== entry.fallbackMode;
    entry.fallbackMode = fallbackMode ?? entry.fallbackMode;
    if (effect.set && !holders.has(rule)) {
      // A repeated event keeps the first `since`: the decision has held since then.
      holders.set(rule, { rule, since: event.time, eventId: event.id });
      entry.causes.set(effect.kind, holders);
      changed = true;
    } else if (!effect.set && holders.delete(rule)) {
      if (holders.size === 0) entry.causes.delete(effect.kind);
      changed = true;
    }
    // A subject with nothing in force keeps its applied positions, so a late replay stays ignored.
    this.subjects.set(key, entry);
    if (!changed) return [];
    this.changes += 1;
    return [snapshotOf(entry)];
  }
}

function newEntry(subject: DecisionSubject): SubjectEntry {
  return { subject, fallbackMode: null, causes: new Map(), applied: new Map() };
}

function snapshotOf(entry: SubjectEntry): SubjectDecisions {
  const decisions = DECISION_KINDS.flatMap((kind): ActiveDecision[] => {
    const holders = entry.causes.get(kind);
    if (holders === undefined || holders.size === 0) return [];
    const causes = [...holders.values()].sort((a, b) => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
    const since = causes.map((cause) => cause.since).sort()[0] ?? '';
    return [{ kind, since, causes }];
  });
  return {
    key: decisionKey(entry.subject),
    server: entry.subject.server,
    tool: entry.subject.tool,
    fallbackMode: entry.fallbackMode,
    decisions,
  };
}

/**
 * The transition an event belongs to, read from its id `<rule>/<series>/<epoch>/<n>/<type>`
 * (packages/events/src/transition-key.ts) from the right, since a series id may hold slashes.
 * Undefined for an id of another shape: such an event is applied in stream order.
 */
export function positionOf(eventId: string): Position | undefined {
  const parts = eventId.split('/');
  if (parts.length < 5) return undefined;
  const epoch = Number(parts[parts.length - 3]);
  const transitions = Number(parts[parts.length - 2]);
  if (!Number.isSafeInteger(epoch) || !Number.isSafeInteger(transitions)) return undefined;
  return { epoch, transitions };
}

function isBefore(a: Position, b: Position): boolean {
  return a.epoch < b.epoch || (a.epoch === b.epoch && a.transitions < b.transitions);
}
