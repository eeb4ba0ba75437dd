import { PassThrough } from 'node:stream';
import type { ServerStatus, StatusPage, StatusReport } from '@budgetwatch/api';
import { describe, expect, it } from 'vitest';
import { writeStatusJson, writeStatusText } from './status-output.js';

/** `budgetwatch status` reads the report page by page and writes it as the pages come. */
function server(name: string, registered: boolean, firing = false): ServerStatus {
  return {
    server: name,
    registered,
    tier: registered ? 1 : null,
    owner: registered ? 'ops' : null,
    state: firing ? 'firing' : 'ok',
    crs: null,
    tools: ['lookup'],
    toolsOverflowed: false,
    rules: firing
      ? [
          {
            rule: 'success-rate',
            scope: 'server',
            tool: null,
            state: 'firing',
            since: null,
            value: 0.5,
            threshold: 0.97,
            comparator: '>=',
            unit: 'ratio',
            calls: 100,
            budgetUsed: 10,
            windowMs: 3_600_000,
          },
        ]
      : [],
  };
}

function page(servers: ServerStatus[], unregistered: ServerStatus[], last = false): StatusPage {
  return {
    generatedAt: '2026-01-01T00:00:00.000Z',
    servers,
    unregistered,
    overflow: { tools: false, servers: false },
    total: { servers: 0, unregistered: 0 },
    next: last ? null : 'more',
  };
}

async function* pagesOf(...pages: StatusPage[]): AsyncGenerator<StatusPage> {
  yield* pages;
}

async function written(write: (out: NodeJS.WritableStream) => Promise<void>): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  await write(out);
  return Buffer.concat(chunks).toString('utf8');
}

describe.each([
  [
    'registered and unregistered across pages',
    [
      page([server('a', true)], []),
      page([server('b', true)], [server('x', false)]),
      page([], [server('y', false)], true),
    ],
    ['a', 'b'],
    ['x', 'y'],
  ],
  ['registered only', [page([server('a', true)], []), page([server('b', true)], [], true)], ['a', 'b'], []],
  [
    'unregistered only',
    [page([], [server('x', false)]), page([], [server('y', false)], true)],
    [],
    ['x', 'y'],
  ],
  ['nothing', [page([], [], true)], [], []],
] as const)('status over pages: %s', (_label, pages, registered, unregistered) => {
  it('--json writes one StatusReport, as GET /api/v1/status would for the whole report', async () => {
    const text = await written((out) => writeStatusJson(pagesOf(...pages), out));
    const report = JSON.parse(text) as StatusReport;
    expect(report.generatedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(report.servers.map((one) => one.server)).toEqual(registered);
    expect(report.unregistered.map((one) => one.server)).toEqual(unregistered);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('writes each server once, and the unregistered heading once', async () => {
    const text = await written((out) => writeStatusText(pagesOf(...pages), out));
    for (const name of registered) expect(text).toContain(`${name}  tier 1  owner ops`);
    for (const name of unregistered) expect(text).toContain(`  ${name}  tools: lookup\n`);
    expect(text.split('Unregistered servers').length - 1).toBe(unregistered.length > 0 ? 1 : 0);
  });
});

it('status shows a firing rule with its value', async () => {
  const text = await written((out) =>
    writeStatusText(pagesOf(page([server('a', true, true)], [], true)), out),
  );
  expect(text).toBe('a  tier 1  owner ops  \n  FIRING success-rate on the server: 50.00% (>= 0.97)\n');
});
