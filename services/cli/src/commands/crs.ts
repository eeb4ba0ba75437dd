import { loadConfig, loadPolicy } from '@budgetwatch/config';
import { type CrsBreakdown, type CrsScoring, displayText } from '@budgetwatch/domain';
import { connectRedis, createRedis } from '@budgetwatch/redis';
import { ExitCode } from '../exit-codes.js';
import { FREE_TEXT_DISPLAY_LENGTH, terminalJson } from '../terminal-text.js';
import { crsScorer } from './crs-scorer.js';
import { requireConnections } from './require-connections.js';

/** The Control-Plane Risk Score of every registered server (or one), from the live windows. */
export async function showCrs(
  options: { server?: string; json: boolean },
  configFile: string | undefined,
  io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream },
): Promise<ExitCode> {
  const { config: loaded } = loadConfig(configFile === undefined ? {} : { file: configFile });
  const config = requireConnections(loaded, 'crs', ['redis']);
  const { policy } = loadPolicy({
    ...(config.evaluator.policyFile === undefined ? {} : { file: config.evaluator.policyFile }),
    latencyThresholdsMs: config.ingest.latencyThresholdsMs,
  });
  const redis = createRedis(config.redis, 'budgetwatch-crs');
  try {
    await connectRedis(redis);
    const scored = await crsScorer(config, redis, policy)(options.server);
    if (scored.length === 0) {
      io.err.write(
        config.inventory.file === undefined
          ? 'budgetwatch: no inventory configured (set BUDGETWATCH_INVENTORY): the CRS scores registered servers\n'
          : `budgetwatch: ${displayText(options.server ?? 'no server')} is not in the inventory\n`,
      );
      return ExitCode.failure;
    }
    if (options.json)
      io.out.write(`${terminalJson({ threshold: policy.crs.haltThreshold, servers: scored })}\n`);
    else io.out.write(renderTable(scored, policy.crs, options.server !== undefined));
    return ExitCode.ok;
  } finally {
    redis.disconnect();
  }
}

function renderTable(scored: readonly CrsBreakdown[], scoring: CrsScoring, allReasons: boolean): string {
  const header = ['server', 'A', 'R', 'O', 'B', 'CRS', 'expansion', 'top reason'];
  const rows = [...scored]
    .sort((a, b) => b.crs - a.crs)
    .map((entry) => [
      displayText(entry.server),
      ...[entry.A, entry.R, entry.O, entry.B, entry.crs].map((value) => value.toFixed(1)),
      entry.gated ? 'HALTED' : 'open',
      entry.reasons[0] === undefined
        ? ''
        : `${displayText(entry.reasons[0].text, FREE_TEXT_DISPLAY_LENGTH)} (+${entry.reasons[0].contribution})`,
    ]);
  const widths = header.map((name, i) => Math.max(name.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i >= 1 && i <= 5 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const lines = [line(header), ...rows.map(line)];
  if (allReasons) {
    for (const entry of scored) {
      lines.push('', `${displayText(entry.server)}: every reason (factor, contribution to the CRS)`);
      for (const reason of entry.reasons)
        lines.push(
          `  ${reason.factor}  +${reason.contribution.toFixed(2).padStart(6)}  ${displayText(reason.text, FREE_TEXT_DISPLAY_LENGTH)}`,
        );
    }
  }
  const { auth, reliability, ownership, blastRadius } = scoring.weights;
  lines.push(
    '',
    `CRS = ${auth} A + ${reliability} R + ${ownership} O + ${blastRadius} B; expansion halts at ${scoring.haltThreshold} (docs/crs.md)`,
  );
  return `${lines.join('\n')}\n`;
}
