import { copyFileSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess } from '@budgetwatch/testkit';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'services/cli/bin/budgetwatch.js');
const NOT_BUILT = 'budgetwatch: not built yet: run `npm run build` in the repository first';
const dir = mkdtempSync(join(tmpdir(), 'bw-executable-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = { PATH: process.env.PATH, HOME: process.env.HOME };

/** The `budgetwatch` executable as npm installs it: `npx budgetwatch` and `npm run budgetwatch`. */
describe('the budgetwatch executable', () => {
  it('is linked by npm into node_modules/.bin, so npx finds it before any build', () => {
    expect(realpathSync(join(ROOT, 'node_modules/.bin/budgetwatch'))).toBe(realpathSync(BIN));
  });

  it('runs through npx in the repository: the CLI when built, else how to build it', async () => {
    const result = await runProcess('npx', ['--no-install', 'budgetwatch', '--version'], { env, cwd: ROOT });
    if (existsSync(join(ROOT, 'services/cli/dist/main.js'))) {
      expect(result.code, result.output).toBe(0);
      expect(result.output.trim()).toMatch(/^\d+\.\d+\.\d+/);
    } else {
      expect(result.code, result.output).toBe(1);
      expect(result.output).toContain(NOT_BUILT);
    }
  });

  it('says how to build it, in one line and without a stack, before the first build', async () => {
    mkdirSync(join(dir, 'bin'));
    copyFileSync(BIN, join(dir, 'bin/budgetwatch.js'));
    const result = await runProcess('node', [join(dir, 'bin/budgetwatch.js'), 'status'], { env });
    expect(result.code).toBe(1);
    expect(result.output.trim()).toBe(`${NOT_BUILT} (\`npm start\` builds and starts)`);
  });
});
