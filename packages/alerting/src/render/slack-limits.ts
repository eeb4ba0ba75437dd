import type { SlackBlock, SlackMessage } from './slack-message.js';

/**
 * Slack's documented limits that a notification could reach (Block Kit block reference and
 * chat.postMessage, docs.slack.dev). Past any of them Slack refuses the message (`invalid_blocks`)
 * or cuts it.
 */
export const SLACK_LIMITS = {
  /** A header block's plain_text. */
  headerText: 150,
  /** A section block's text. */
  sectionText: 3000,
  /** A section block's fields: how many, and the text of each. */
  sectionFields: 10,
  fieldText: 2000,
  /** A context block's elements: how many, and the text of each (a text object's maximum). */
  contextElements: 10,
  contextText: 3000,
  /** Blocks in one message. */
  blocks: 50,
  /** An actions block's elements, and a button's text, value and URL. */
  actionElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
} as const;

/**
 * What the renderer keeps to, below the limits. With names of at most NAME_DISPLAY_LENGTH and
 * inventory values of at most INVENTORY_TEXT_LENGTH characters (five times as many once each `&`
 * is escaped), every block but the alerts' takes about 8,100 characters at the very most, so at
 * least one alert always fits.
 */
export const SLACK_BUDGETS = {
  /**
   * All the text of one message's blocks: Slack answers `msg_blocks_too_long` past about 12,000
   * characters in all (undocumented; Slack's SDK maintainers in slackapi/bolt-js#2509).
   */
  blocksText: 10_000,
  /**
   * The fallback `text`: chat.postMessage cuts it past 40,000 characters, and Slack asks for
   * messages under 4,000.
   */
  fallbackText: 3000,
  /** The recovery checklist (the steps that do not fit are counted, not shown). */
  checklistText: 2000,
} as const;

/**
 * `lines` joined by line feeds within `maxLength`: whole lines from the first, and when some do
 * not fit, a last line from `leftOut` with how many. No line is cut, so no escape or code span is.
 */
export function fitLines(
  lines: readonly string[],
  maxLength: number,
  leftOut: (count: number) => string,
): string {
  const all = lines.join('\n');
  if (all.length <= maxLength) return all;
  const reserved = leftOut(lines.length).length + 1;
  const kept: string[] = [];
  let length = 0;
  for (const line of lines) {
    const added = (kept.length === 0 ? 0 : 1) + line.length;
    if (length + added + reserved > maxLength) break;
    kept.push(line);
    length += added;
  }
  return [...kept, leftOut(lines.length - kept.length)].join('\n');
}

/**
 * `blocks` within the block count and `SLACK_BUDGETS.blocksText`, by keeping only the first of the
 * `count` blocks from `from` (one alert each) that fit with all the others, and putting
 * `leftOut(how many were not kept)` in place of the rest.
 */
export function keepBlocksThatFit(
  blocks: readonly SlackBlock[],
  from: number,
  count: number,
  leftOut: (count: number) => SlackBlock,
): SlackBlock[] {
  const optional = blocks.slice(from, from + count);
  const others = [...blocks.slice(0, from), ...blocks.slice(from + count)];
  const room = SLACK_LIMITS.blocks - others.length - 1;
  let budget = SLACK_BUDGETS.blocksText - blocksTextLength([...others, leftOut(count)]);
  const kept: SlackBlock[] = [];
  for (const block of optional) {
    const length = blocksTextLength([block]);
    if (kept.length === room || length > budget) break;
    kept.push(block);
    budget -= length;
  }
  const shown = kept.length === count ? kept : [...kept, leftOut(count - kept.length)];
  return [...blocks.slice(0, from), ...shown, ...blocks.slice(from + count)];
}

/** Every text of some blocks. */
function blockTexts(blocks: readonly SlackBlock[]): string[] {
  return blocks.flatMap((block) => {
    if (block.type === 'divider') return [];
    if (block.type === 'actions') return block.elements.map((element) => element.text.text);
    if (block.type === 'context') return block.elements.map((element) => element.text);
    if (block.type === 'header') return [block.text.text];
    return [block.text.text, ...(block.fields ?? []).map((field) => field.text)];
  });
}

/** Total length of the text in some blocks (what `SLACK_BUDGETS.blocksText` bounds). */
export function blocksTextLength(blocks: readonly SlackBlock[]): number {
  return blockTexts(blocks).reduce((sum, text) => sum + text.length, 0);
}

/** Each Slack limit (and budget) the message breaks, in words; empty when it may be sent. */
export function slackLimitProblems(message: SlackMessage): string[] {
  const problems: string[] = [];
  const check = (length: number, limit: number, what: string) => {
    if (length > limit) problems.push(`${what}: ${length} > ${limit}`);
  };
  check(message.blocks.length, SLACK_LIMITS.blocks, 'blocks');
  message.blocks.forEach((block, i) => {
    if (block.type === 'header') check(block.text.text.length, SLACK_LIMITS.headerText, `block ${i} header`);
    if (block.type === 'section') {
      check(block.text.text.length, SLACK_LIMITS.sectionText, `block ${i} section text`);
      check(block.fields?.length ?? 0, SLACK_LIMITS.sectionFields, `block ${i} fields`);
      for (const field of block.fields ?? [])
        check(field.text.length, SLACK_LIMITS.fieldText, `block ${i} field text`);
    }
    if (block.type === 'context') {
      check(block.elements.length, SLACK_LIMITS.contextElements, `block ${i} context elements`);
      for (const element of block.elements)
        check(element.text.length, SLACK_LIMITS.contextText, `block ${i} context text`);
    }
    if (block.type === 'actions') {
      check(block.elements.length, SLACK_LIMITS.actionElements, `block ${i} action elements`);
      for (const button of block.elements) {
        check(button.text.text.length, SLACK_LIMITS.buttonText, `block ${i} button text`);
        check(button.value?.length ?? 0, SLACK_LIMITS.buttonValue, `block ${i} button value`);
        check(button.url?.length ?? 0, SLACK_LIMITS.buttonUrl, `block ${i} button url`);
      }
    }
  });
  check(blocksTextLength(message.blocks), SLACK_BUDGETS.blocksText, 'text of all blocks');
  check(message.text.length, SLACK_BUDGETS.fallbackText, 'fallback text');
  return problems;
}
