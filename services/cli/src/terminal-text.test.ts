import { HOSTILE_NAMES, unsafeCharacters } from '@budgetwatch/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { terminalJson } from './terminal-text.js';

describe('terminalJson', () => {
  it('writes every hostile name so that nothing acts on the terminal, and parses back the same', () => {
    const value = { ...HOSTILE_NAMES, csi: 'c1\u009b2J', separators: 'a\u2028b\u2029c', tag: 'x\u{E0041}' };
    for (const indent of [undefined, 2]) {
      const json = terminalJson(value, indent);
      expect(unsafeCharacters(json, ['\n'])).toEqual([]);
      expect(JSON.parse(json)).toEqual(value);
    }
    expect(terminalJson('c1\u009b2J')).toBe('"c1\\u009b2J"');
    expect(terminalJson('x\u{E0041}')).toBe('"x\\udb40\\udc41"');
    expect(terminalJson({ name: 'café 名前 😀' })).toBe('{"name":"café 名前 😀"}');
  });

  it('means the same JSON as JSON.stringify, whatever the text', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (value, text) => {
        const json = terminalJson({ value, text }, 2);
        expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify({ value, text })));
        expect(unsafeCharacters(json, ['\n'])).toEqual([]);
      }),
    );
  });
});
