import { loadConfig, redactSecrets } from '@budgetwatch/config';
import { stringify } from 'yaml';
import { ExitCode } from '../exit-codes.js';

/** Validates the configuration and prints the effective settings, secrets masked. */
export function configCheck(configFile: string | undefined, out: NodeJS.WritableStream): ExitCode {
  const loaded = loadConfig(configFile === undefined ? {} : { file: configFile });
  out.write(
    `configuration OK${loaded.file === undefined ? ' (environment and defaults)' : ` (${loaded.file})`}\n`,
  );
  out.write(stringify(redactSecrets(loaded.config)));
  return ExitCode.ok;
}
