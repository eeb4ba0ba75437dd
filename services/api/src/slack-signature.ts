import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Slack's replay window: a request signed longer ago than this (or this far ahead) is refused. */
export const SLACK_SIGNATURE_MAX_AGE_MS = 5 * 60_000;

/** Why a request is not taken as Slack's; null when it is. */
export type SlackSignatureProblem = 'missing_headers' | 'stale_timestamp' | 'bad_signature';

/**
 * Slack's request signing (docs/contract.md, "Acting from Slack"): `X-Slack-Signature` is `v0=`
 * and the hex HMAC-SHA256, keyed with the app's signing secret, of `v0:{timestamp}:{raw body}`,
 * where the timestamp is `X-Slack-Request-Timestamp` in seconds and must be within 5 minutes of
 * now. The signature is compared in constant time.
 */
export function slackSignatureProblem(
  headers: IncomingHttpHeaders,
  rawBody: Buffer,
  signingSecret: string,
  nowMs: number,
): SlackSignatureProblem | null {
  const signature = headers['x-slack-signature'];
  const timestamp = headers['x-slack-request-timestamp'];
  if (typeof signature !== 'string' || typeof timestamp !== 'string') return 'missing_headers';
  if (!/^\d{1,12}$/.test(timestamp)) return 'missing_headers';
  if (Math.abs(nowMs - Number(timestamp) * 1000) > SLACK_SIGNATURE_MAX_AGE_MS) return 'stale_timestamp';
  const expected = Buffer.from(slackSignature(signingSecret, timestamp, rawBody), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad_signature';
  return null;
}

/** The `X-Slack-Signature` Slack sends with `body` at `timestamp` (seconds, as written). */
export function slackSignature(signingSecret: string, timestamp: string, body: Buffer | string): string {
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(body);
  return `v0=${hmac.digest('hex')}`;
}
