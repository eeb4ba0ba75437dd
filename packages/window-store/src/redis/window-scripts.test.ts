import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { luaScriptUrl } from './window-scripts.js';

describe('luaScriptUrl', () => {
  it('finds the scripts from the sources and from the built package alike', () => {
    const fromSource = luaScriptUrl('apply-series-delta-2');
    const fromDist = luaScriptUrl(
      'apply-series-delta-2',
      new URL('../../dist/redis/window-scripts.js', import.meta.url).href,
    );
    expect(fromDist.href).toBe(fromSource.href);
    expect(existsSync(fromSource)).toBe(true);
  });
});
