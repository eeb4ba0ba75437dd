import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { luaScriptUrl } from './lua-scripts.js';

describe('luaScriptUrl', () => {
  it('finds the scripts from the sources and from the built package alike', () => {
    const source = new URL('../../window-store/src/redis/redis-window-store.ts', import.meta.url).href;
    const built = new URL('../../window-store/dist/redis/redis-window-store.js', import.meta.url).href;
    const fromSource = luaScriptUrl('apply-series-delta-4', source);
    expect(luaScriptUrl('apply-series-delta-4', built).href).toBe(fromSource.href);
    expect(existsSync(fromSource)).toBe(true);
  });
});
