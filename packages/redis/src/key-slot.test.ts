import { describe, expect, it } from 'vitest';
import { keySlot } from './key-slot.js';

describe('keySlot', () => {
  // What CLUSTER KEYSLOT answers on Redis 7.
  it.each([
    ['123456789', 12739],
    ['foo', 12182],
    ['bw:w:{prod|docs|search}:fine:counts', 4814],
    ['{user1000}.following', 3443],
    ['foo{}{bar}', 8363],
    ['foo{{bar}}zap', 4015],
    ['foo{bar}{zap}', 5061],
    ['{ünïcode}:a', 6051],
    ['ünïcode', 6051],
  ])('%s is in slot %i', (key, slot) => {
    expect(keySlot(key)).toBe(slot);
  });
});
