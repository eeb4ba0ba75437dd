import { loadConfig, loadPolicy } from '@budgetwatch/config';
import { formatWindowDuration, type Rule } from '@budgetwatch/domain';
import { ExitCode } from '../exit-codes.js';

/**
 * Validates a policy file (the one given, else the configured one, else the shipped default) the
 * way the evaluator loads it, and prints its rules; an invalid file is a configuration error
 * (exit code 2) naming file, line and field, so a CI can gate on it.
 */
export function policyCheck(
  file: string | undefined,
  configFile: string | undefined,
  out: NodeJS.WritableStream,
): ExitCode {
  const { config } = loadConfig(configFile === undefined ? {} : { file: configFile });
  const policyFile = file ?? config.evaluator.policyFile;
  const { policy, file: path } = loadPolicy({
    ...(policyFile === undefined ? {} : { file: policyFile }),
    latencyThresholdsMs: config.ingest.latencyThresholdsMs,
  });
  out.write(`policy OK${path === undefined ? ' (the four playbook rules)' : ` (${path})`}\n`);
  const width = Math.max(...policy.rules.map((rule) => rule.id.length));
  for (const rule of policy.rules) {
    out.write(`  ${rule.id.padEnd(width)}  fires when ${condition(rule)}  [${rule.scopes.join(', ')}]\n`);
  }
  const { burnRate } = policy;
  out.write(
    burnRate.enabled
      ? `  burn-rate warning on ${burnRate.ruleId}: ${burnRate.factor}x over ${formatWindowDuration(burnRate.longWindowMs)} and ${formatWindowDuration(burnRate.shortWindowMs)}\n`
      : '  burn-rate warning off\n',
  );
  return ExitCode.ok;
}

/** "success_rate < 97% over 24h", "p95 latency > 3000 ms over 2h". */
function condition(rule: Rule): string {
  const window = formatWindowDuration(rule.windowMs);
  if (rule.metric === 'latency_quantile') {
    return `p${Math.round((rule.quantile ?? 0.95) * 100)} latency ${rule.comparator} ${rule.threshold} ms over ${window}`;
  }
  const percent = `${Number((rule.threshold * 100).toFixed(4))}%`;
  return `${rule.metric} ${rule.comparator} ${percent} over ${window}`;
}
