import { loadConfig, loadInventory } from '@budgetwatch/config';
import { inventoryFindings } from '@budgetwatch/domain';
import { ExitCode } from '../exit-codes.js';

/**
 * Checks the inventory against the rollout rules and prints the findings per server; exit code 1
 * when a blocking finding exists, so a CI can gate on it.
 */
export function inventoryCheck(
  options: { json: boolean; nowMs?: number },
  configFile: string | undefined,
  out: NodeJS.WritableStream,
): ExitCode {
  const { config } = loadConfig(configFile === undefined ? {} : { file: configFile });
  if (config.inventory.file === undefined) {
    out.write('no inventory configured (set BUDGETWATCH_INVENTORY or inventory.file): nothing to check\n');
    return ExitCode.ok;
  }
  const { inventory } = loadInventory({ file: config.inventory.file });
  const findings = inventoryFindings(inventory, {
    nowMs: options.nowMs ?? Date.now(),
    killSwitchMaxAgeDays: config.inventory.killSwitchMaxAgeDays,
  });
  const blocking = findings.filter((finding) => finding.severity === 'blocking').length;
  if (options.json) {
    out.write(`${JSON.stringify({ servers: inventory.servers.length, blocking, findings })}\n`);
  } else {
    for (const server of inventory.servers) {
      const own = findings.filter((finding) => finding.server === server.id);
      out.write(
        `${server.id} (tier ${server.tier}): ${own.length === 0 ? 'ok' : `${own.length} finding(s)`}\n`,
      );
      for (const finding of own)
        out.write(`  ${finding.severity.padEnd(8)} ${finding.rule.padEnd(26)} ${finding.message}\n`);
    }
    out.write(
      `${inventory.servers.length} servers, ${findings.length} findings, ${blocking} blocking${blocking > 0 ? ': expansion should wait' : ''}\n`,
    );
  }
  return blocking > 0 ? ExitCode.failure : ExitCode.ok;
}
