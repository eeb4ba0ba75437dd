import { displayText, type LookAlikeExample } from '@budgetwatch/domain';
import { FREE_TEXT_DISPLAY_LENGTH } from '../terminal-text.js';

/** A look-alike as explain and coverage print it (the coverage report's carry a source and a time). */
type PrintedLookAlike = Omit<LookAlikeExample, 'lastSeenMs'> & { lastSeen?: string };

/** The spans that look like tool calls that no profile recognised, keys only, for a terminal. */
export function printLookAlikes(examples: readonly PrintedLookAlike[], out: NodeJS.WritableStream): void {
  if (examples.length === 0) return;
  out.write('\nlooks like a tool call, but no profile in force recognised it (attribute keys only):\n');
  for (const example of examples) {
    const where = [
      example.kind,
      ...(example.source === undefined ? [] : [`source ${displayText(example.source)}`]),
      `${example.spans} span${example.spans === 1 ? '' : 's'}`,
      ...(example.lastSeen === undefined ? [] : [`last ${example.lastSeen}`]),
    ];
    out.write(
      `  ${displayText(example.spanName)} (${where.join(', ')}): ${example.reasons.map((reason) => displayText(reason, FREE_TEXT_DISPLAY_LENGTH)).join('; ')}\n`,
    );
    const more = example.omittedAttributeKeys === undefined ? '' : ` (+${example.omittedAttributeKeys} more)`;
    out.write(
      `    keys: ${example.attributeKeys.map((key) => displayText(key)).join(', ') || 'none'}${more}\n`,
    );
    if (example.builtInProfile !== undefined) {
      out.write(
        `    enable the built-in profile ${example.builtInProfile} (remove it from recognition.disabled)\n`,
      );
    }
  }
}
