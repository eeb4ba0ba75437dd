#!/usr/bin/env node
// The budgetwatch command. It runs the compiled CLI (services/cli/dist), which `npm run build`
// makes; a checkout that has not been built yet gets that instruction, not a module stack trace.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (existsSync(main)) {
  await import(main.href);
} else {
  process.stderr.write(
    'budgetwatch: not built yet: run `npm run build` in the repository first (`npm start` builds and starts)\n',
  );
  process.exitCode = 1;
}
