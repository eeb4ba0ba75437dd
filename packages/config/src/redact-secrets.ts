import type { BudgetwatchConfig } from './schema.js';

const REDACTED = '[redacted]';

/** A copy of the configuration that is safe to print or log: passwords and URL credentials masked. */
export function redactSecrets(config: BudgetwatchConfig): BudgetwatchConfig {
  const copy = structuredClone(config);
  if (copy.kafka?.sasl !== undefined) copy.kafka.sasl.password = REDACTED;
  if (copy.redis !== undefined) {
    if (copy.redis.password !== undefined) copy.redis.password = REDACTED;
    copy.redis.url = redactUrlCredentials(copy.redis.url);
  }
  if (copy.notifier.slack !== undefined) {
    copy.notifier.slack.token = REDACTED;
    if (copy.notifier.slack.signingSecret !== undefined) copy.notifier.slack.signingSecret = REDACTED;
  }
  if (copy.http.apiToken !== undefined) copy.http.apiToken = REDACTED;
  if (copy.http.readToken !== undefined) copy.http.readToken = REDACTED;
  if (copy.http.intakeToken !== undefined) copy.http.intakeToken = REDACTED;
  if (copy.notifier.email !== undefined) {
    copy.notifier.email.smtpUrl = redactUrlCredentials(copy.notifier.email.smtpUrl);
  }
  return copy;
}

export function redactUrlCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@]*)@/, (_match, scheme: string, credentials: string) => {
    const user = credentials.includes(':') ? credentials.slice(0, credentials.indexOf(':')) : '';
    return `${scheme}${user === '' ? '' : `${user}:`}${REDACTED}@`;
  });
}
