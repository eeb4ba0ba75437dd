import { isShownEscaped } from '@budgetwatch/domain';

/**
 * Longest free text shown whole on a line (a CRS reason, an inventory finding, a silence's
 * comment: each may quote names from spans or the inventory); names have NAME_DISPLAY_LENGTH.
 */
export const FREE_TEXT_DISPLAY_LENGTH = 400;

/**
 * `JSON.stringify(value, null, indent)` for a terminal. JSON.stringify escapes the C0 controls
 * (ESC included) but writes DEL, the C1 controls (U+009B is a one-character CSI), the line and
 * paragraph separators, and bidi and invisible characters as they are; each of these is written
 * as a `\uXXXX` escape here instead, so the JSON means the same and nothing in it acts on the
 * terminal or hides.
 */
export function terminalJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(/[^\t\n\r -~]/gu, (character) =>
    isShownEscaped(character)
      ? Array.from({ length: character.length }, (_, i) => {
          return `\\u${character.charCodeAt(i).toString(16).padStart(4, '0')}`;
        }).join('')
      : character,
  );
}
