import { isUnattributed, type SeriesRef, seriesId } from '@budgetwatch/domain';
import { UNREGISTERED_RULE, unregisteredServerEvent } from '@budgetwatch/events';
import type { RuleStateAdvancer } from './rule-state-advancer.js';

/**
 * One budgetwatch.inventory.unregistered per production server the inventory does not list
 * (again if it is removed after being registered), as the state of a rule of the server's rollup,
 * so that replicas announce each server once.
 */
export class UnregisteredAnnouncements {
  /** Servers this process knows are announced as unregistered. */
  private readonly announced = new Set<string>();

  constructor(
    private readonly advancer: RuleStateAdvancer,
    private readonly now: () => number,
  ) {}

  /** Announces the servers of `series` missing from `registered`, with the tools seen. */
  async announce(series: readonly SeriesRef[], registered: ReadonlySet<string>): Promise<void> {
    const tools = new Map<string, Set<string>>();
    for (const entry of series) {
      // Unattributed calls belong to no one server: nothing to register.
      if (entry.drill || isUnattributed(entry.server)) continue;
      const seen = tools.get(entry.server) ?? new Set<string>();
      if (entry.tool !== null) seen.add(entry.tool);
      tools.set(entry.server, seen);
    }
    for (const [server, seen] of tools) {
      const isRegistered = registered.has(server);
      // Already announced by this process, and still unregistered: nothing to read.
      if (!isRegistered && this.announced.has(server)) continue;
      if (isRegistered && !this.announced.has(server)) continue;
      const id = seriesId({ server, tool: null, drill: false });
      const now = this.now();
      await this.advancer.readAndAdvance(id, UNREGISTERED_RULE, now, async (previous) => {
        if (isRegistered) {
          return {
            state: previous.status === 'firing' ? { ...previous, status: 'ok', since: now } : previous,
            events: [],
          };
        }
        if (previous.status === 'firing') return { state: previous, events: [] };
        const state = {
          status: 'firing' as const,
          since: now,
          pendingSince: null,
          breachOpen: true,
          transitions: previous.transitions + 1,
          epoch: previous.epoch,
        };
        return { state, events: [unregisteredServerEvent(server, [...seen], now, state)] };
      });
      if (isRegistered) this.announced.delete(server);
      else this.announced.add(server);
    }
  }
}
