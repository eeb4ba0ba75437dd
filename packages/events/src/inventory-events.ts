import { seriesId } from '@budgetwatch/domain';
import { EVALUATOR_SOURCE } from './budget-events.js';
import type { CloudEvent } from './cloud-event.js';
import { cloudEventType } from './event-types.js';

export const UNREGISTERED_RULE = 'inventory-unregistered';

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
  /** How many times the server has been found unregistered (again after leaving the inventory). */
  occurrence = 1,
): CloudEvent<UnregisteredServerData> {
  const time = new Date(detectedAtMs).toISOString();
  return {
    specversion: '1.0',
    id: `${UNREGISTERED_RULE}/${seriesId({ server, tool: null, drill: false })}/${occurrence}/inventory.unregistered`,
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
