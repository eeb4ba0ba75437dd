import { describe, expect, it } from 'vitest';
import { boundedSeriesName } from '../tool-calls/bounded-name.js';
import type { ToolCall } from '../tool-calls/tool-call.js';
import { type SeriesRef, seriesId } from '../windows/series.js';
import { OTHER_TOOL, OVERFLOW_SERVER, RESERVED_SERIES_NAMES } from './overflow-names.js';
import {
  AdmissionLedger,
  type AdmissionView,
  admittedCall,
  type CardinalityLimits,
  decideAdmission,
} from './series-admission.js';

const LIMITS: CardinalityLimits = { maxToolsPerServer: 2, maxToolSeries: 3, maxUnregisteredServers: 1 };

const view = (overrides: Partial<AdmissionView>): AdmissionView => ({
  seriesAdmitted: false,
  serverTools: 0,
  unregistered: false,
  toolSeries: 0,
  unregisteredServers: 0,
  ...overrides,
});

const ids = (server: string, tool: string, drill = false): [string, string] => {
  const series: SeriesRef = { server, tool, drill };
  return [seriesId(series), seriesId({ ...series, tool: null })];
};

describe('decideAdmission', () => {
  it('admits a tool while its server and the total are under their caps, one below exactly', () => {
    expect(decideAdmission(view({ serverTools: 1, toolSeries: 2 }), LIMITS)).toEqual({ kind: 'admitted' });
  });

  it("sends a new tool to its server's other series exactly at the per-server cap", () => {
    expect(decideAdmission(view({ serverTools: 2, toolSeries: 2 }), LIMITS)).toEqual({
      kind: 'other_tool',
      cap: 'tools_per_server',
    });
  });

  it("sends a new tool to its server's other series exactly at the total cap", () => {
    expect(decideAdmission(view({ serverTools: 0, toolSeries: 3 }), LIMITS)).toEqual({
      kind: 'other_tool',
      cap: 'tool_series',
    });
  });

  it('keeps an admitted series admitted whatever the counts', () => {
    expect(
      decideAdmission(
        view({ seriesAdmitted: true, serverTools: 9, toolSeries: 9, unregisteredServers: 9 }),
        LIMITS,
      ),
    ).toEqual({ kind: 'admitted' });
  });

  it('sends a new unregistered server to the overflow server exactly at its cap, a registered one never', () => {
    const atCap = { serverTools: null, unregisteredServers: 1 };
    expect(decideAdmission(view({ ...atCap, unregistered: true }), LIMITS)).toEqual({
      kind: 'overflow_server',
      cap: 'unregistered_servers',
    });
    expect(decideAdmission(view({ ...atCap, unregistered: false }), LIMITS)).toEqual({ kind: 'admitted' });
    // Already tracked: its new tools are judged by the tool caps only.
    expect(
      decideAdmission(view({ serverTools: 0, unregisteredServers: 5, unregistered: true }), LIMITS),
    ).toEqual({
      kind: 'admitted',
    });
  });

  it('with no unregistered server allowed, every unregistered call goes to the overflow server', () => {
    const verdict = decideAdmission(view({ serverTools: null, unregistered: true }), {
      ...LIMITS,
      maxUnregisteredServers: 0,
    });
    expect(verdict.kind).toBe('overflow_server');
  });
});

describe('admittedCall', () => {
  const call: ToolCall = {
    server: 'crm',
    tool: 'search',
    drill: false,
    outcome: 'ok',
    fallback: false,
    latencyMs: 5,
    eventTimeMs: 1,
    unregistered: true,
  };

  it('moves a call into its overflow series and keeps the rest of it', () => {
    expect(admittedCall(call, { kind: 'admitted' })).toBe(call);
    expect(admittedCall(call, { kind: 'other_tool', cap: 'tool_series' })).toEqual({
      ...call,
      tool: OTHER_TOOL,
    });
    expect(admittedCall(call, { kind: 'overflow_server', cap: 'unregistered_servers' })).toEqual({
      ...call,
      server: OVERFLOW_SERVER,
      tool: OTHER_TOOL,
    });
  });
});

describe('the overflow names', () => {
  it('never come from a span: a span naming them gets a distinct, stable name', () => {
    for (const name of RESERVED_SERIES_NAMES) {
      const bounded = boundedSeriesName(name);
      expect(bounded).not.toBe(name);
      expect(bounded.startsWith(`${name}…#`)).toBe(true);
      expect(boundedSeriesName(name)).toBe(bounded);
    }
    expect(boundedSeriesName('other')).toBe('other');
    expect(boundedSeriesName('(other) ')).toBe('(other) ');
  });
});

describe('AdmissionLedger', () => {
  it('admits up to the caps, counts servers from their first call, and frees slots on release', () => {
    const ledger = new AdmissionLedger(LIMITS);
    expect(ledger.admit(...ids('a', 't1'), true).kind).toBe('admitted');
    expect(ledger.admit(...ids('a', 't2'), true).kind).toBe('admitted');
    expect(ledger.admit(...ids('a', 't3'), true)).toEqual({ kind: 'other_tool', cap: 'tools_per_server' });
    // A second unregistered server is beyond the cap of one.
    expect(ledger.admit(...ids('b', 't1'), true)).toEqual({
      kind: 'overflow_server',
      cap: 'unregistered_servers',
    });
    // A registered one is tracked; it takes the last slot of the total.
    expect(ledger.admit(...ids('r', 't1'), false).kind).toBe('admitted');
    expect(ledger.admit(...ids('r', 't2'), false)).toEqual({ kind: 'other_tool', cap: 'tool_series' });
    expect(ledger.usage).toEqual({ toolSeries: 3, unregisteredServers: 1 });
    // Asking again changes nothing.
    expect(ledger.admit(...ids('a', 't1'), true).kind).toBe('admitted');
    expect(ledger.usage).toEqual({ toolSeries: 3, unregisteredServers: 1 });

    // A forgotten tool frees its slot: the refused tool of `r` is admitted now.
    ledger.releaseTool(...ids('a', 't1'));
    expect(ledger.admit(...ids('r', 't2'), false).kind).toBe('admitted');
    // A forgotten server frees its place among the unregistered.
    ledger.releaseTool(...ids('a', 't2'));
    ledger.releaseServer(ids('a', 't1')[1]);
    expect(ledger.admit(...ids('b', 't1'), true).kind).toBe('admitted');
    expect(ledger.usage).toEqual({ toolSeries: 3, unregisteredServers: 1 });
  });

  it('counts drill series apart per server, but within the same total', () => {
    const ledger = new AdmissionLedger({ ...LIMITS, maxToolSeries: 10 });
    ledger.admit(...ids('a', 't1'), false);
    ledger.admit(...ids('a', 't2'), false);
    expect(ledger.admit(...ids('a', 'drill-1', true), false).kind).toBe('admitted');
    expect(ledger.usage.toolSeries).toBe(3);
  });

  it('releasing what was never admitted changes nothing', () => {
    const ledger = new AdmissionLedger(LIMITS);
    ledger.admit(...ids('a', 't1'), false);
    ledger.releaseTool(...ids('a', OTHER_TOOL));
    ledger.releaseTool(...ids('z', 't1'));
    expect(ledger.usage).toEqual({ toolSeries: 1, unregisteredServers: 0 });
  });
});
