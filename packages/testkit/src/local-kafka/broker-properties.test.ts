import { describe, expect, it } from 'vitest';
import { kraftClusterId } from './broker-properties.js';

describe('kraftClusterId', () => {
  it('is 16 bytes in base64url without padding', () => {
    const id = kraftClusterId(() => new Uint8Array(16).fill(1));
    expect(id).toBe('AQEBAQEBAQEBAQEBAQEBAQ');
  });

  it('draws again when the id would start with "-", which the storage tool reads as an option', () => {
    const draws = [new Uint8Array(16).fill(0xf8), new Uint8Array(16).fill(2)];
    const id = kraftClusterId(() => draws.shift() ?? new Uint8Array(16));
    expect(Buffer.from(new Uint8Array(16).fill(0xf8)).toString('base64url')).toMatch(/^-/);
    expect(id).toBe('AgICAgICAgICAgICAgICAg');
    expect(draws).toHaveLength(0);
  });
});
