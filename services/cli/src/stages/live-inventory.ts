import { unwatchFile, watchFile } from 'node:fs';
import { loadInventory } from '@budgetwatch/config';
import { type Inventory, type InventoryResolver, inventoryResolver } from '@budgetwatch/domain';
import type { Logger } from '@budgetwatch/logger';

/** How often the inventory file is checked for changes. */
const WATCH_INTERVAL_MS = 5000;

/**
 * The inventory as the file says now: an edit takes effect without a restart, in span attribution
 * (the resolver) and wherever `onChange` passes it; an invalid edit is logged and the previous
 * inventory kept.
 */
export class LiveInventory {
  private resolve: InventoryResolver;
  private watched: string | undefined;

  constructor(private inventory: Inventory) {
    this.resolve = inventoryResolver(inventory);
  }

  get current(): Inventory {
    return this.inventory;
  }

  /** Attributes spans with the current inventory's match rules. */
  readonly resolver: InventoryResolver = (span, resource, derivedId) =>
    this.resolve(span, resource, derivedId);

  watch(
    file: string | undefined,
    logger: Logger,
    onChange: (inventory: Inventory) => Promise<void> = async () => {},
  ): void {
    if (file === undefined) return;
    this.watched = file;
    watchFile(file, { interval: WATCH_INTERVAL_MS }, () => {
      let reloaded: Inventory;
      try {
        reloaded = loadInventory({ file }).inventory;
      } catch (error) {
        logger.error({ err: error }, 'inventory not reloaded: the file is invalid; keeping the previous one');
        return;
      }
      this.inventory = reloaded;
      this.resolve = inventoryResolver(reloaded);
      logger.info({ servers: reloaded.servers.length }, 'inventory reloaded');
      onChange(reloaded).catch((error: unknown) =>
        logger.error({ err: error }, 'applying the inventory failed'),
      );
    });
  }

  stop(): void {
    if (this.watched !== undefined) unwatchFile(this.watched);
    this.watched = undefined;
  }
}
