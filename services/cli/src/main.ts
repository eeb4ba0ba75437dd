#!/usr/bin/env node
import { silenceKafkajsNegativeTimeoutWarnings } from '@budgetwatch/kafka';
import { runCli } from './run-cli.js';

silenceKafkajsNegativeTimeoutWarnings();
const code = await runCli(process.argv.slice(2), { out: process.stdout, err: process.stderr });
process.exitCode = code;
// Normally the process ends here on its own. A client a failed command could not close (a broker
// connection still retrying) must not keep it alive: give output a moment to flush, then exit.
setTimeout(() => process.exit(code), 2000).unref();
