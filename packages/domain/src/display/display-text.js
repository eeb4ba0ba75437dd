// @ts-check
/*
 * Text from spans (server and tool names) and other text Budgetwatch does not write, made safe to
 * show: in Slack, email, the terminal and the dashboard. Plain JavaScript with JSDoc types, checked
 * by TypeScript, and free of imports: the API serves this very file to the dashboard's browser
 * code, so the browser and every Node renderer run the same function without a build step.
 */

/**
 * Longest name shown whole, in UTF-16 code units: the longest tool name the MCP specification
 * (2025-11-25) recommends.
 */
export const NAME_DISPLAY_LENGTH = 128;

/** Shortest display length a caller may ask for: room for the truncation marker and some text. */
export const MIN_DISPLAY_LENGTH = 24;

/*
 * Shown as a `\u{…}` escape, never as themselves:
 * - Cc: C0 controls (ESC starts every terminal escape sequence; CR and LF start lines), DEL and
 *   C1 controls (U+009B is a one-character CSI);
 * - Zl, Zp: the line and paragraph separators, which start lines too;
 * - Cs: lone surrogates, which no encoder can write;
 * - Cf and Default_Ignorable_Code_Point: bidi embeddings, overrides and isolates (U+202A-U+202E,
 *   U+2066-U+2069) and marks, zero-width spaces and joiners, the BOM, tag characters, variation
 *   selectors, fillers: each one either reorders what surrounds it or is invisible, so two names
 *   that differ only by one would look the same. Identifiers have no use for them, so they are
 *   escaped wherever they stand (an emoji sequence is shown as its parts).
 * The backslash is escaped too (`\\`), so an escape shown always stands for the character.
 */
const SHOWN_ESCAPED = /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}\p{Cf}\p{Default_Ignorable_Code_Point}\\]/u;

/**
 * Whether `character` (one code point) is shown escaped by `displayText`.
 * @param {string} character
 * @returns {boolean}
 */
export function isShownEscaped(character) {
  return SHOWN_ESCAPED.test(character);
}

/**
 * @param {string} character
 * @returns {string}
 */
function escapeCharacter(character) {
  if (character === '\\') return '\\\\';
  return `\\u{${(character.codePointAt(0) ?? 0).toString(16).toUpperCase()}}`;
}

/**
 * FNV-1a (32 bits) of the UTF-16 code units, as 8 hex digits: the same in every JavaScript engine,
 * and enough to tell two long names apart (it is no defence against names made to collide).
 * @param {string} text
 * @returns {string}
 */
function shortHash(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/**
 * `text` as it may be shown: every control, separator, bidi, zero-width or otherwise invisible
 * character (and the backslash) shown as an escape such as `\u{1B}` or `\u{202E}`, so the result
 * is one line that reads the same left to right wherever it is put; and at most `maxLength` UTF-16
 * code units. Longer text keeps its beginning and ends with `…[` + 8 hex digits of a hash of the
 * whole text + `]`, so two long names that start alike stay distinct. It escapes for no markup:
 * each renderer still escapes the result for its own format (mrkdwn, HTML).
 * @param {string} text
 * @param {number} [maxLength] at least MIN_DISPLAY_LENGTH; NAME_DISPLAY_LENGTH by default
 * @returns {string}
 */
export function displayText(text, maxLength = NAME_DISPLAY_LENGTH) {
  if (!Number.isInteger(maxLength) || maxLength < MIN_DISPLAY_LENGTH) {
    throw new RangeError(`displayText: maxLength must be an integer of at least ${MIN_DISPLAY_LENGTH}`);
  }
  /** @type {string[]} */
  const pieces = [];
  let length = 0;
  for (const character of text) {
    const piece = SHOWN_ESCAPED.test(character) ? escapeCharacter(character) : character;
    pieces.push(piece);
    length += piece.length;
    // Enough is known to truncate; the rest of a huge name only feeds the hash.
    if (length > maxLength) break;
  }
  if (length <= maxLength) return pieces.join('');
  const marker = `…[${shortHash(text)}]`;
  let kept = '';
  for (const piece of pieces) {
    // Whole pieces only: an escape or a surrogate pair is never cut in two.
    if (kept.length + piece.length > maxLength - marker.length) break;
    kept += piece;
  }
  return kept + marker;
}
