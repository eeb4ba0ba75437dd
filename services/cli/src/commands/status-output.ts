import type { RuleReading, StatusPage } from '@budgetwatch/api';
import { displayText } from '@budgetwatch/domain';
import { terminalJson } from '../terminal-text.js';

/** What GET /api/v1/status returns for the whole report, written as the pages come. */
export async function writeStatusJson(
  pages: AsyncIterable<StatusPage>,
  out: NodeJS.WritableStream,
): Promise<void> {
  // Registered servers come first: the servers list is closed at the first unregistered one.
  let opened: 'servers' | 'unregistered' | undefined;
  let empty = true;
  let overflow: StatusPage['overflow'] = { tools: false, servers: false };
  for await (const page of pages) {
    overflow = page.overflow;
    if (opened === undefined) {
      out.write(`{"generatedAt":${JSON.stringify(page.generatedAt)},"servers":[`);
      opened = 'servers';
    }
    for (const status of page.servers) {
      out.write(`${empty ? '' : ','}${terminalJson(status)}`);
      empty = false;
    }
    for (const status of page.unregistered) {
      if (opened === 'servers') {
        out.write('],"unregistered":[');
        opened = 'unregistered';
        empty = true;
      }
      out.write(`${empty ? '' : ','}${terminalJson(status)}`);
      empty = false;
    }
  }
  out.write(opened === 'unregistered' ? ']' : '],"unregistered":[]');
  out.write(`,"overflow":${JSON.stringify(overflow)}}\n`);
}

/**
 * Each registered server with its firing rules, then the unregistered ones with their tools, as
 * the pages come. Names from spans go through `displayText`: one line each, nothing a terminal acts
 * on.
 */
export async function writeStatusText(
  pages: AsyncIterable<StatusPage>,
  out: NodeJS.WritableStream,
): Promise<void> {
  let unregisteredHeading = false;
  const overflowed: string[] = [];
  let serversOverflowed = false;
  for await (const page of pages) {
    serversOverflowed = page.overflow.servers;
    for (const status of page.servers) {
      if (status.toolsOverflowed) overflowed.push(displayText(status.server));
      const crs =
        status.crs === null ? '' : `CRS ${status.crs.score.toFixed(1)}${status.crs.gated ? ' HALTED' : ''}`;
      out.write(
        `${displayText(status.server)}  tier ${status.tier}  owner ${displayText(status.owner ?? '(none)')}  ${crs}\n`,
      );
      const firing = status.rules.filter((reading) => reading.state === 'firing');
      out.write(
        firing.length === 0
          ? '  no rule firing\n'
          : firing.map((reading) => `  FIRING ${describe(reading)}\n`).join(''),
      );
    }
    for (const status of page.unregistered) {
      if (!unregisteredHeading) out.write('\nUnregistered servers (seen in spans, not in the inventory):\n');
      unregisteredHeading = true;
      out.write(
        `  ${displayText(status.server)}  tools: ${status.tools.map((tool) => displayText(tool)).join(', ') || '(none)'}\n`,
      );
    }
  }
  if (serversOverflowed) overflowed.push('unregistered servers beyond the cap');
  if (overflowed.length > 0) {
    out.write(
      `\nCardinality caps reached in 24h, calls counted in overflow series: ${overflowed.join(', ')}\n`,
    );
  }
}

function describe(reading: RuleReading): string {
  return `${displayText(reading.rule)} on ${reading.tool === null ? 'the server' : displayText(reading.tool)}: ${formatValue(reading)} (${reading.comparator} ${reading.threshold})`;
}

function formatValue(reading: RuleReading): string {
  if (reading.value === null) return 'no value';
  switch (reading.unit) {
    case 'ms':
      return `${Math.round(reading.value)} ms`;
    case 'burn_rate':
      return `burning ${reading.value.toFixed(1)}x`;
    case 'ratio':
      return `${(reading.value * 100).toFixed(2)}%`;
  }
}
