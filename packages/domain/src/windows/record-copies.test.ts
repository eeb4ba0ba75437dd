import { describe, expect, it } from 'vitest';
import { copiesInBatch, recordContentKey } from './record-copies.js';

const bytes = (text: string) => Buffer.from(text);

describe('recordContentKey', () => {
  it('is the same for the same bytes, wherever they are held, and differs for one byte changed', () => {
    const key = recordContentKey(bytes('spans'));
    expect(key).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(recordContentKey(new Uint8Array(bytes('spans')))).toBe(key);
    expect(recordContentKey(bytes('spanS'))).not.toBe(key);
  });
});

describe('copiesInBatch', () => {
  it('claims the first record of each content and marks later copies in the batch', () => {
    const batch = [bytes('a'), bytes('b'), bytes('a'), bytes('c'), bytes('b'), bytes('a')];
    const { toClaim, copies } = copiesInBatch(batch);
    expect(toClaim.map((claim) => claim.index)).toEqual([0, 1, 3]);
    expect(toClaim[0]?.contentKey).toBe(recordContentKey(bytes('a')));
    expect(copies).toEqual([2, 4, 5]);
  });

  it('leaves records without content alone: neither claimed nor copies', () => {
    const { toClaim, copies } = copiesInBatch([null, Buffer.alloc(0), null, bytes('x')]);
    expect(toClaim.map((claim) => claim.index)).toEqual([3]);
    expect(copies).toEqual([]);
  });

  it('an empty batch claims nothing', () => {
    expect(copiesInBatch([])).toEqual({ toClaim: [], copies: [] });
  });
});
