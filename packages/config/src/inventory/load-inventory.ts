import { resolve } from 'node:path';
import { EMPTY_INVENTORY, type Inventory } from '@budgetwatch/domain';
import { readValidatedYamlFile } from '../validated-yaml-file.js';
import { inventorySchema, toInventory } from './inventory-schema.js';

/** Reads and validates the inventory file; every problem is reported with file, line, field and reason. */
export function loadInventory(options: { file?: string; cwd?: string }): {
  inventory: Inventory;
  file?: string;
} {
  if (options.file === undefined) return { inventory: EMPTY_INVENTORY };
  const path = resolve(options.cwd ?? '.', options.file);
  const parsed = readValidatedYamlFile(path, 'a mapping with a servers list', inventorySchema);
  return { inventory: toInventory(parsed), file: path };
}
