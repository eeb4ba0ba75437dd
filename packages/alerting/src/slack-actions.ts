import { displayText, MAX_SERIES_NAME_LENGTH } from '@budgetwatch/domain';

/** The buttons on an alert message, by their `action_id`. */
export const SLACK_ACTIONS = {
  acknowledge: 'budgetwatch.acknowledge',
  silence1h: 'budgetwatch.silence.1h',
  silence4h: 'budgetwatch.silence.4h',
  silence24h: 'budgetwatch.silence.24h',
  dashboard: 'budgetwatch.dashboard',
} as const;

/** How long each silence button silences for. */
export const SLACK_SILENCE_DURATIONS_MS: ReadonlyMap<string, number> = new Map([
  [SLACK_ACTIONS.silence1h, 3_600_000],
  [SLACK_ACTIONS.silence4h, 4 * 3_600_000],
  [SLACK_ACTIONS.silence24h, 24 * 3_600_000],
]);

/**
 * What a button names: the incident and where it is stored. A claim only: whoever handles a click
 * loads the incident and acts on what is stored, never on this.
 */
export interface IncidentReference {
  incidentId: string;
  server: string;
  drill: boolean;
}

const INCIDENT_ID = /^inc-[0-9a-f]{16}$/;

/**
 * The longest value Budgetwatch writes: a server name of MAX_SERIES_NAME_LENGTH UTF-16 units is
 * at most three times as many UTF-8 bytes, four base64 characters for every three.
 */
const MAX_VALUE_LENGTH = 25 + 4 * MAX_SERIES_NAME_LENGTH;

/**
 * A button's `value`: `<incident id>|<p or d>|<server name as base64url>`, inert wherever Slack
 * shows or logs it, and at most MAX_VALUE_LENGTH characters for a name ingest admits.
 */
export function encodeIncidentReference(reference: IncidentReference): string {
  const server = Buffer.from(reference.server, 'utf8').toString('base64url');
  return `${reference.incidentId}|${reference.drill ? 'd' : 'p'}|${server}`;
}

/** The reference a button's `value` claims, or null when it is not one Budgetwatch writes. */
export function decodeIncidentReference(value: unknown): IncidentReference | null {
  if (typeof value !== 'string' || value.length > MAX_VALUE_LENGTH) return null;
  const first = value.indexOf('|');
  const second = value.indexOf('|', first + 1);
  if (first < 0 || second < 0) return null;
  const incidentId = value.slice(0, first);
  const mode = value.slice(first + 1, second);
  const encoded = value.slice(second + 1);
  const server = Buffer.from(encoded, 'base64url').toString('utf8');
  // Only the canonical encoding of a well-formed name: anything else was not written here.
  if (server === '' || Buffer.from(server, 'utf8').toString('base64url') !== encoded) return null;
  if (!INCIDENT_ID.test(incidentId) || (mode !== 'd' && mode !== 'p')) return null;
  return { incidentId, server, drill: mode === 'd' };
}

/**
 * The notification-log id under which an incident's acknowledgement is kept (next to the
 * `<incident id>/<sequence>` ids of its notifications): the planner's repeats look it up.
 */
export function acknowledgementLogId(incidentId: string): string {
  return `${incidentId}/acknowledged`;
}

/**
 * A Slack user as shown in Budgetwatch's records: `slack:name (id)`, display-safe, bounded and
 * without `|` (the notification log's separator).
 */
export function slackActor(user: { id: string; name?: string | undefined }): string {
  const safe = (text: string, maxLength: number) => displayText(text, maxLength).replace(/\|/g, '/');
  const id = safe(user.id, 32);
  return user.name === undefined || user.name === '' ? `slack:${id}` : `slack:${safe(user.name, 80)} (${id})`;
}
