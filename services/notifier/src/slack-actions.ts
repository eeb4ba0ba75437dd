import {
  acknowledgementLogId,
  decodeIncidentReference,
  firingAlerts,
  type Incident,
  SLACK_ACTIONS,
  SLACK_SILENCE_DURATIONS_MS,
  slackActor,
  slackText,
} from '@budgetwatch/alerting';
import { seriesId } from '@budgetwatch/domain';
import type { Logger } from '@budgetwatch/logger';
import type { LogEntry, NotifierStore } from './notifier-store.js';
import type { SilenceStore } from './silence-store.js';
import type { SlackPoster } from './sinks/slack-sink.js';

/** One button click, as the interactivity endpoint read it from Slack's payload. */
export interface SlackAction {
  actionId: string;
  value: unknown;
  user: { id: string; name?: string | undefined };
}

/** What came of a click: `done`, or why nothing was changed. */
export type SlackActionOutcome =
  | { done: 'acknowledged' | 'silenced'; incidentId: string }
  | { refused: 'unknown_action' | 'not_budgetwatch' | 'incident_closed' | 'already_acknowledged' };

export interface SlackActionsOptions {
  store: NotifierStore;
  silences: SilenceStore;
  /** Where the thread reply goes; null: no reply (the records are still kept). */
  slack: SlackPoster | null;
  logger: Logger;
  now?: () => number;
}

/** A Slack user id as Slack writes it (U…, W…): only such an id is put in a `<@…>` mention. */
const SLACK_USER_ID = /^[UW][A-Z0-9]{2,30}$/;

/**
 * Acknowledge and silence from an alert message's buttons. The button only names the incident:
 * what is acknowledged or silenced is read from the stored incident, which must still be open.
 * Both are kept in the notification log (docs/contract.md, "Acting from Slack") and told in the
 * incident's Slack thread; the reply is sent after the caller has its answer, as Slack wants one
 * within 3 seconds.
 */
export class SlackActions {
  private readonly now: () => number;
  private readonly replies = new Set<Promise<void>>();

  constructor(private readonly options: SlackActionsOptions) {
    this.now = options.now ?? Date.now;
  }

  async handle(action: SlackAction): Promise<SlackActionOutcome> {
    const silenceMs = SLACK_SILENCE_DURATIONS_MS.get(action.actionId);
    if (action.actionId !== SLACK_ACTIONS.acknowledge && silenceMs === undefined) {
      return { refused: 'unknown_action' };
    }
    const reference = decodeIncidentReference(action.value);
    if (reference === null) return { refused: 'not_budgetwatch' };
    const serverKey = seriesId({ server: reference.server, tool: null, drill: reference.drill });
    const { incident } = await this.options.store.load(serverKey);
    if (incident === null || incident.id !== reference.incidentId || incident.resolvedAt !== null) {
      return { refused: 'incident_closed' };
    }
    const actor = slackActor(action.user);
    const mention = SLACK_USER_ID.test(action.user.id) ? `<@${action.user.id}>` : slackText(actor);
    if (silenceMs === undefined) {
      const outcome = await this.acknowledge(incident, actor);
      if ('done' in outcome)
        this.reply(
          incident,
          `:white_check_mark: Acknowledged by ${mention}: no more repeats of this incident.`,
        );
      return outcome;
    }
    const created = await this.silence(incident, actor, silenceMs);
    const hours = silenceMs / 3_600_000;
    this.reply(
      incident,
      `:no_bell: Silenced for ${hours}h by ${mention}: ${created.map((id) => `\`${id}\``).join(', ')}`,
    );
    return { done: 'silenced', incidentId: incident.id };
  }

  /** Resolves once every thread reply started so far is sent or has failed. */
  async settled(): Promise<void> {
    await Promise.all([...this.replies]);
  }

  private async acknowledge(incident: Incident, actor: string): Promise<SlackActionOutcome> {
    const { store } = this.options;
    const id = acknowledgementLogId(incident.id);
    if ((await store.log(id)).acknowledged !== undefined) return { refused: 'already_acknowledged' };
    const entry: LogEntry = { outcome: 'acknowledged', by: actor, at: new Date(this.now()).toISOString() };
    await store.record([id, ...breachEventIds(incident)], { acknowledged: entry }, false);
    return { done: 'acknowledged', incidentId: incident.id };
  }

  /** One silence per firing alert of the incident, scoped to its server, tool and rule. */
  private async silence(incident: Incident, actor: string, durationMs: number): Promise<string[]> {
    const nowMs = this.now();
    const at = new Date(nowMs).toISOString();
    const created: string[] = [];
    for (const alert of firingAlerts(incident)) {
      const silence = await this.options.silences.create({
        matchers: {
          server: alert.server,
          rule: alert.rule,
          ...(alert.tool === null ? {} : { tool: alert.tool }),
        },
        endsAt: new Date(nowMs + durationMs).toISOString(),
        createdBy: actor,
        comment: `from Slack: silenced for ${durationMs / 3_600_000}h from incident ${incident.id}`,
      });
      created.push(silence.id);
      if (alert.breachEventId !== null) {
        await this.options.store.record(
          [alert.breachEventId],
          { silence: { outcome: 'silence_created', by: silence.id, at } },
          false,
        );
      }
    }
    return created;
  }

  private reply(incident: Incident, text: string): void {
    const { slack, logger } = this.options;
    if (slack === null || incident.slack === null) return;
    const thread = incident.slack;
    const sent = slack
      .post(thread.channel, { text, blocks: [] }, thread.ts)
      .then(
        () => undefined,
        (error: unknown) => logger.warn({ err: error, incident: incident.id }, 'Slack thread reply not sent'),
      )
      .finally(() => this.replies.delete(sent));
    this.replies.add(sent);
  }
}

function breachEventIds(incident: Incident): string[] {
  return firingAlerts(incident)
    .map((alert) => alert.breachEventId)
    .filter((id): id is string => id !== null);
}
