import { loadConfig } from '@budgetwatch/config';
import { displayText, type Inventory, inventoryFindings } from '@budgetwatch/domain';
import { connectRedis, createRedis } from '@budgetwatch/redis';
import { ExitCode } from '../exit-codes.js';
import { FREE_TEXT_DISPLAY_LENGTH, terminalJson } from '../terminal-text.js';
import { inventoryWithDrills } from './inventory-with-drills.js';

/**
 * Checks the inventory (the file given, else the configured one) against the rollout rules and
 * prints the findings per server; exit code 1 when a blocking finding exists, so a CI can gate on
 * it. With Redis configured, passed drills count as kill-switch tests.
 */
export async function inventoryCheck(
  options: { json: boolean; file?: string; nowMs?: number },
  configFile: string | undefined,
  out: NodeJS.WritableStream,
): Promise<ExitCode> {
  const loaded = loadConfig(configFile === undefined ? {} : { file: configFile }).config;
  const file = options.file ?? loaded.inventory.file;
  const config = file === undefined ? loaded : { ...loaded, inventory: { ...loaded.inventory, file } };
  if (config.inventory.file === undefined) {
    out.write('no inventory configured (set BUDGETWATCH_INVENTORY or inventory.file): nothing to check\n');
    return ExitCode.ok;
  }
  const redis = config.redis === undefined ? null : createRedis(config.redis, 'budgetwatch-inventory-check');
  let inventory: Inventory;
  try {
    if (redis !== null) await connectRedis(redis);
    inventory = await inventoryWithDrills(config, redis);
  } finally {
    redis?.disconnect();
  }
  const findings = inventoryFindings(inventory, {
    nowMs: options.nowMs ?? Date.now(),
    killSwitchMaxAgeDays: config.inventory.killSwitchMaxAgeDays,
  });
  const blocking = findings.filter((finding) => finding.severity === 'blocking').length;
  if (options.json) {
    out.write(`${terminalJson({ servers: inventory.servers.length, blocking, findings })}\n`);
  } else {
    for (const server of inventory.servers) {
      const own = findings.filter((finding) => finding.server === server.id);
      out.write(
        `${displayText(server.id)} (tier ${server.tier}): ${own.length === 0 ? 'ok' : `${own.length} finding(s)`}\n`,
      );
      for (const finding of own)
        out.write(
          `  ${finding.severity.padEnd(8)} ${finding.rule.padEnd(26)} ${displayText(finding.message, FREE_TEXT_DISPLAY_LENGTH)}\n`,
        );
    }
    out.write(
      `${inventory.servers.length} servers, ${findings.length} findings, ${blocking} blocking${blocking > 0 ? ': expansion should wait' : ''}\n`,
    );
  }
  return blocking > 0 ? ExitCode.failure : ExitCode.ok;
}
