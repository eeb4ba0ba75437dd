import { UNREGISTERED_RULE } from '@budgetwatch/domain';
import { EVALUATOR_SOURCE } from './budget-events.js';
import type { UnregisteredServerEvent } from './budgetwatch-event.js';
import { cloudEventType } from './event-types.js';
import { type TransitionPosition, transitionKey } from './transition-key.js';

export { UNREGISTERED_RULE };

/** `data` of budgetwatch.inventory.unregistered. */
export interface UnregisteredServerData {
  rule: typeof UNREGISTERED_RULE;
  scope: 'server';
  server: string;
  tool: null;
  drill: false;
  /** Tools seen on the server in the last 24h. */
  tools: string[];
  detectedAt: string;
}

/**
 * A server that agents call but the inventory does not list: once per server (the id is the
 * server's), so a consumer can register it or block it.
 */
export function unregisteredServerEvent(
  server: string,
  tools: readonly string[],
  detectedAtMs: number,
  /**
   * The state right after this announcement: `transitions` counts how often the server was found
   * unregistered (again after leaving the inventory).
   */
  position: TransitionPosition = { epoch: 0, transitions: 1 },
): UnregisteredServerEvent {
  const time = new Date(detectedAtMs).toISOString();
  return {
    specversion: '1.0',
    id: `${transitionKey(UNREGISTERED_RULE, { server, tool: null, drill: false }, position)}/inventory.unregistered`,
    source: EVALUATOR_SOURCE,
    type: cloudEventType('inventory.unregistered'),
    subject: server,
    time,
    datacontenttype: 'application/json',
    data: {
      rule: UNREGISTERED_RULE,
      scope: 'server',
      server,
      tool: null,
      drill: false,
      tools: [...tools].sort(),
      detectedAt: time,
    },
  };
}
