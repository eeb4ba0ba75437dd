import {
  loadConfig,
  loadInventory,
  loadPolicy,
  redactSecrets,
  toRecognitionSettings,
} from '@budgetwatch/config';
import { activeProfiles } from '@budgetwatch/domain';
import { stringify } from 'yaml';
import { ExitCode } from '../exit-codes.js';
import { requireAuthenticatedIntake } from '../stages/intake-exposure.js';
import { startMode } from './start-mode.js';

/**
 * Validates the configuration, the policy and the inventory as `start` would (the same errors, the
 * same exit code), and prints the effective settings, secrets masked.
 */
export function configCheck(configFile: string | undefined, out: NodeJS.WritableStream): ExitCode {
  const loaded = loadConfig(configFile === undefined ? {} : { file: configFile });
  const { config } = loaded;
  const mode = startMode(config);
  requireAuthenticatedIntake(config);
  const policy = loadPolicy({
    ...(config.evaluator.policyFile === undefined ? {} : { file: config.evaluator.policyFile }),
    latencyThresholdsMs: config.ingest.latencyThresholdsMs,
  });
  const inventory = loadInventory(config.inventory.file === undefined ? {} : { file: config.inventory.file });
  out.write(
    `configuration OK${loaded.file === undefined ? ' (environment and defaults)' : ` (${loaded.file})`}\n`,
  );
  out.write(
    `policy OK${policy.file === undefined ? ' (the four playbook rules)' : ` (${policy.file})`}: ${policy.policy.rules
      .map((rule) => rule.id)
      .join(', ')}\n`,
  );
  out.write(
    inventory.file === undefined
      ? 'inventory: none configured (every server is unregistered)\n'
      : `inventory OK (${inventory.file}): ${inventory.inventory.servers.length} servers\n`,
  );
  const profiles = activeProfiles(toRecognitionSettings(config.recognition)).map((profile) => profile.name);
  out.write(
    `recognition profiles, in order: ${profiles.join(', ')}; counting the ${config.ingest.perspective} side\n`,
  );
  out.write(
    mode === 'embedded'
      ? 'start runs on embedded defaults (in memory: nothing is kept across restarts)\n'
      : 'start runs on Kafka and Redis\n',
  );
  out.write(stringify(redactSecrets(config)));
  return ExitCode.ok;
}
