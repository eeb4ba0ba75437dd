import type { ConsumerConfig } from 'kafkajs';

/** kafkajs's own defaults: a 30 s session, and an idle fetch held 5 s by the broker. */
const DEFAULT_SESSION_TIMEOUT_MS = 30_000;
const DEFAULT_FETCH_MAX_WAIT_MS = 5000;

/**
 * Session, heartbeat and fetch wait of a Budgetwatch consumer. kafkajs heartbeats only between
 * fetches, so an idle fetch must end well within the session (at most a third of it), or a short
 * session evicts a member while it waits; stop() also waits for the fetch in flight.
 */
export function consumerTiming(
  sessionTimeoutMs = DEFAULT_SESSION_TIMEOUT_MS,
  fetchMaxWaitMs = DEFAULT_FETCH_MAX_WAIT_MS,
): Pick<ConsumerConfig, 'sessionTimeout' | 'heartbeatInterval' | 'maxWaitTimeInMs'> {
  return {
    sessionTimeout: sessionTimeoutMs,
    heartbeatInterval: Math.max(500, Math.floor(sessionTimeoutMs / 10)),
    maxWaitTimeInMs: Math.min(fetchMaxWaitMs, Math.floor(sessionTimeoutMs / 3)),
  };
}
