import type { ActionEvent, BudgetwatchEvent } from '../budgetwatch-event.js';
import { isActionEvent, isOperatorEvent } from '../budgetwatch-event.js';
import type { ActionEventType } from '../event-types.js';
import { OPERATOR_RULE, type OperatorEvent } from '../operator-events.js';
import { type DecisionSubject, decisionKey } from './decision-key.js';

/** What a policy engine or a guard enforces on a server or a tool (docs/contract.md, "The decisions in force"). */
export type DecisionKind =
  | 'frozen'
  | 'concurrency_lowered'
  | 'audit_requested'
  | 'incident_open'
  | 'expansion_halted'
  /** An operator's kill switch on a server: block every call to it. */
  | 'kill_switch';

export const DECISION_KINDS: readonly DecisionKind[] = [
  'frozen',
  'concurrency_lowered',
  'audit_requested',
  'incident_open',
  'expansion_halted',
  'kill_switch',
];

/** One rule (or the CRS gate, or an operator: rule `operator`) holding a decision in place. */
export interface DecisionCause {
  rule: string;
  /** When this cause set the decision (the event's time). */
  since: string;
  /** The event that set it. */
  eventId: string;
  /** Operator causes: who acted (free text from the request: show it through displayText). */
  actor?: string;
  /** Operator causes: why. */
  reason?: string;
}

export interface ActiveDecision {
  kind: DecisionKind;
  /** The earliest `since` of its causes: how long the decision has held without a gap. */
  since: string;
  /** Every rule that holds it; it ends when the last one lets go. Ordered by rule id. */
  causes: DecisionCause[];
}

/** An operator's lift in force: the rule freezes it hides, which show again when it ends. */
export interface LiftedFreezes {
  /** The freeze.lifted event, its time, and who lifted and why. */
  eventId: string;
  since: string;
  actor: string;
  reason: string;
  /** When the lift ends (ISO); null: when a lifted rule fires again. */
  until: string | null;
  /** The rule freezes it hides, still held by their rules. */
  causes: DecisionCause[];
}

/** The decisions in force on one subject; `decisions` is empty when nothing applies any more. */
export interface SubjectDecisions extends DecisionSubject {
  key: string;
  /** The inventory's fallback mode for the server, as the latest action event carried it. */
  fallbackMode: string | null;
  decisions: ActiveDecision[];
  /**
   * A lift in force (absent when none): carried with the decisions so that a folder rebuilding
   * from the compacted topic keeps the freeze hidden, and so operators see who lifted what.
   */
  lifted?: LiftedFreezes;
}

/** Nothing in force and nothing lifted: the subject's record is a tombstone. */
export function isSettled(subject: SubjectDecisions): boolean {
  return subject.decisions.length === 0 && subject.lifted === undefined;
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

/** An operator's lift of a subject's rule freezes (budgetwatch.freeze.lifted). */
interface Lift {
  /**
   * The events that set the rule freezes it hides. A rule's next traffic.frozen is another event,
   * so the freeze shows again when the rule fires again.
   */
  hidden: Set<string>;
  /** When the lift ends; null: only when its rules fire again (or recover). */
  untilMs: number | null;
  eventId: string;
  since: string;
  actor: string;
  reason: string;
}

interface SubjectEntry {
  subject: DecisionSubject;
  fallbackMode: string | null;
  /** kind -> rule -> cause; an operator's cause is under rule `operator`. */
  causes: Map<DecisionKind, Map<string, DecisionCause>>;
  /**
   * rule (or operator control) -> the latest transition or operator event applied, so a replayed
   * older event changes nothing.
   */
  applied: Map<string, Position>;
  lift: Lift | null;
}

const LIFT_CONTROL = 'operator:lift';

/** An operator event type's effect; each control is ordered on its own. */
const OPERATOR_EFFECTS: Readonly<
  Record<OperatorEvent['type'], { control: string; kind: DecisionKind | null; set: boolean }>
> = {
  'budgetwatch.killswitch.engaged': { control: 'operator:kill-switch', kind: 'kill_switch', set: true },
  'budgetwatch.killswitch.released': { control: 'operator:kill-switch', kind: 'kill_switch', set: false },
  'budgetwatch.freeze.set': { control: 'operator:freeze', kind: 'frozen', set: true },
  'budgetwatch.freeze.cleared': { control: 'operator:freeze', kind: 'frozen', set: false },
  'budgetwatch.freeze.lifted': { control: LIFT_CONTROL, kind: null, set: true },
};

/**
 * The current decisions, folded from the event stream. Applying an event is idempotent and an
 * event older than one already applied for the same rule (or operator control) and subject changes
 * nothing, so the stream's at-least-once delivery (a re-published batch, a consumer replaying from
 * its last commit) converges to the same state. Drill events never set a decision: a drill
 * exercises detection and alerting, never enforcement on real traffic.
 *
 * Operators add a kill switch (server only), a manual freeze (a `frozen` cause with rule
 * `operator`) and lifts: a lift hides the subject's rule freezes in force until `until` passes
 * (call `expire`) or the lifted rule fires again. A manual freeze and a kill switch are never
 * lifted, only cleared or released.
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
    if (isOperatorEvent(event)) return this.applyOperator(event);
    if (isActionEvent(event)) return this.applyAction(event);
    // budget.recovered ends the audit its breach requested: the action has no event of its own.
    if (event.type === 'budgetwatch.budget.recovered') {
      return this.applyEffect(event, { kind: 'audit_requested', set: false }, event.data.fallbackMode);
    }
    return [];
  }

  /**
   * Ends the lifts whose `until` is at or before `nowMs`; returns the subjects that changed (a
   * lifted freeze still held by its rule shows again). Call it at `nextExpiryMs()`, and after
   * applying a backlog (a replayed lift may have ended long ago).
   */
  expire(nowMs: number): SubjectDecisions[] {
    const changed: SubjectDecisions[] = [];
    for (const entry of this.subjects.values()) {
      if (entry.lift?.untilMs == null || entry.lift.untilMs > nowMs) continue;
      const before = snapshotOf(entry);
      entry.lift = null;
      changed.push(...this.commit(entry, before));
    }
    return changed.sort(byKey);
  }

  /** When the next lift ends (epoch ms), or null when no timed lift hides anything. */
  nextExpiryMs(): number | null {
    let next: number | null = null;
    for (const entry of this.subjects.values()) {
      const until = entry.lift?.untilMs ?? null;
      if (until !== null && (next === null || until < next)) next = until;
    }
    return next;
  }

  /** Every subject with at least one decision in force, ordered by key. */
  current(): SubjectDecisions[] {
    return [...this.subjects.values()]
      .map(snapshotOf)
      .filter((subject) => !isSettled(subject))
      .sort(byKey);
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
        markApplied(entry, cause.rule, cause.eventId);
      }
      entry.causes.set(decision.kind, holders);
    }
    const lifted = snapshot.lifted;
    if (lifted !== undefined) {
      const frozen = entry.causes.get('frozen') ?? new Map<string, DecisionCause>();
      for (const cause of lifted.causes) {
        frozen.set(cause.rule, { ...cause });
        markApplied(entry, cause.rule, cause.eventId);
      }
      if (frozen.size > 0) entry.causes.set('frozen', frozen);
      markApplied(entry, LIFT_CONTROL, lifted.eventId);
      entry.lift = {
        hidden: new Set(lifted.causes.map((cause) => cause.eventId)),
        untilMs: lifted.until === null ? null : Date.parse(lifted.until),
        eventId: lifted.eventId,
        since: lifted.since,
        actor: lifted.actor,
        reason: lifted.reason,
      };
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
    const entry = this.entryOf({ server: event.data.server, tool: event.data.tool });
    const rule = event.data.rule;
    const position = positionOf(event.id);
    const latest = entry.applied.get(rule);
    if (position !== undefined && latest !== undefined && isBefore(position, latest)) return [];

    const before = snapshotOf(entry);
    if (position !== undefined) entry.applied.set(rule, position);
    entry.fallbackMode = fallbackMode ?? entry.fallbackMode;
    const holders = entry.causes.get(effect.kind) ?? new Map<string, DecisionCause>();
    const held = holders.get(rule);
    if (effect.set && held === undefined) {
      // A repeated event keeps the first `since`: the decision has held since then.
      holders.set(rule, { rule, since: event.time, eventId: event.id });
      entry.causes.set(effect.kind, holders);
    } else if (effect.set && held !== undefined && held.eventId !== event.id) {
      // A newer transition of a rule still holding (its recovery was lost): it fires again.
      entry.lift?.hidden.delete(held.eventId);
    } else if (!effect.set && holders.delete(rule)) {
      if (holders.size === 0) entry.causes.delete(effect.kind);
    }
    return this.commit(entry, before);
  }

  private applyOperator(event: OperatorEvent): SubjectDecisions[] {
    const { control, kind, set } = OPERATOR_EFFECTS[event.type];
    // The kill switch is a server's: an event naming a tool still acts on its server.
    const tool = kind === 'kill_switch' ? null : event.data.tool;
    const entry = this.entryOf({ server: event.data.server, tool });
    const position = positionOf(event.id);
    const latest = entry.applied.get(control);
    // Operator ids are never reused: a position not after the latest is this event again, or older.
    if (position !== undefined && latest !== undefined && !isBefore(latest, position)) return [];

    const before = snapshotOf(entry);
    if (position !== undefined) entry.applied.set(control, position);
    entry.fallbackMode = event.data.fallbackMode ?? entry.fallbackMode;
    if (kind === null) {
      entry.lift = liftOf(entry, event);
    } else {
      const holders = entry.causes.get(kind) ?? new Map<string, DecisionCause>();
      if (set && !holders.has(OPERATOR_RULE)) {
        const { actor, reason } = event.data;
        holders.set(OPERATOR_RULE, {
          rule: OPERATOR_RULE,
          since: event.time,
          eventId: event.id,
          actor,
          reason,
        });
        entry.causes.set(kind, holders);
      } else if (!set && holders.delete(OPERATOR_RULE) && holders.size === 0) {
        entry.causes.delete(kind);
      }
    }
    return this.commit(entry, before);
  }

  private entryOf(subject: DecisionSubject): SubjectEntry {
    const key = decisionKey(subject);
    const entry = this.subjects.get(key) ?? newEntry(subject);
    // A subject with nothing in force keeps its applied positions, so a late replay stays ignored.
    this.subjects.set(key, entry);
    return entry;
  }

  /** The subject as it is now if it differs from `before` (one more version), else nothing. */
  private commit(entry: SubjectEntry, before: SubjectDecisions): SubjectDecisions[] {
    // A lift whose freezes have all ended or fired again hides nothing any more.
    const lift = entry.lift;
    if (lift !== null) {
      const frozen = [...(entry.causes.get('frozen')?.values() ?? [])];
      if (!frozen.some((cause) => lift.hidden.has(cause.eventId))) entry.lift = null;
    }
    const after = snapshotOf(entry);
    if (JSON.stringify(after) === JSON.stringify(before)) return [];
    this.changes += 1;
    return [after];
  }
}

function newEntry(subject: DecisionSubject): SubjectEntry {
  return { subject, fallbackMode: null, causes: new Map(), applied: new Map(), lift: null };
}

/** A lift of the rule freezes in force now (never an operator's own freeze); null: nothing to lift. */
function liftOf(entry: SubjectEntry, event: OperatorEvent): Lift | null {
  const ruleFreezes = [...(entry.causes.get('frozen')?.values() ?? [])].filter(
    (cause) => cause.rule !== OPERATOR_RULE,
  );
  if (ruleFreezes.length === 0) return null;
  const until = 'until' in event.data ? event.data.until : null;
  return {
    hidden: new Set(ruleFreezes.map((cause) => cause.eventId)),
    untilMs: until === null ? null : Date.parse(until),
    eventId: event.id,
    since: event.time,
    actor: event.data.actor,
    reason: event.data.reason,
  };
}

/** Records `eventId`'s position as applied for `control` unless a later one already is. */
function markApplied(entry: SubjectEntry, control: string, eventId: string): void {
  const position = positionOf(eventId);
  const latest = entry.applied.get(control);
  if (position !== undefined && (latest === undefined || isBefore(latest, position))) {
    entry.applied.set(control, position);
  }
}

function snapshotOf(entry: SubjectEntry): SubjectDecisions {
  const decisions = DECISION_KINDS.flatMap((kind): ActiveDecision[] => {
    const holders = entry.causes.get(kind);
    if (holders === undefined) return [];
    const causes = [...holders.values()]
      .filter((cause) => !(kind === 'frozen' && entry.lift?.hidden.has(cause.eventId)))
      .sort((a, b) => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
    if (causes.length === 0) return [];
    const since = causes.map((cause) => cause.since).sort()[0] ?? '';
    return [{ kind, since, causes }];
  });
  const snapshot: SubjectDecisions = {
    key: decisionKey(entry.subject),
    server: entry.subject.server,
    tool: entry.subject.tool,
    fallbackMode: entry.fallbackMode,
    decisions,
  };
  const lift = entry.lift;
  if (lift !== null) {
    const hidden = [...(entry.causes.get('frozen')?.values() ?? [])]
      .filter((cause) => lift.hidden.has(cause.eventId))
      .sort((a, b) => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
    snapshot.lifted = {
      eventId: lift.eventId,
      since: lift.since,
      actor: lift.actor,
      reason: lift.reason,
      until: lift.untilMs === null ? null : new Date(lift.untilMs).toISOString(),
      causes: hidden,
    };
  }
  return snapshot;
}

function byKey(a: SubjectDecisions, b: SubjectDecisions): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * The transition an event belongs to, read from its id `<rule>/<series>/<epoch>/<n>/<type>`
 * (packages/events/src/transition-key.ts) from the right, since a series id may hold slashes.
 * Operator events read alike: `operator/<decision key>/<ms>/<nonce>/<type>`. Undefined for an id of
 * another shape: such an event is applied in stream order.
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
