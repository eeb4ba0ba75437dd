/** How one demo tool behaves: calls a minute, failures, latency, and optionally how it degrades. */
export interface DemoTool {
  name: string;
  /** Live calls per second. */
  callsPerSecond: number;
  errorRate: number;
  medianMs: number;
  /** Unexpected policy blocks (a scope mistake), share of calls. */
  unexpectedBlockRate?: number;
  expectedBlockRate?: number;
  /** From `afterMs` of live traffic on: this error rate, slow calls and fallbacks. */
  degrades?: { afterMs: number; errorRate: number; medianMs: number; fallbackRate: number };
}

export interface DemoServer {
  id: string;
  tools: DemoTool[];
}

/**
 * The demo's servers: four healthy ones, one (payments-mcp) whose refunds tool degrades 10 s into
 * the live traffic, and one that is not in the inventory. The last 24h are filled at a hundredth of
 * the live rate, so the 24h budgets start from a plausible history and the degradation shows within
 * a minute.
 */
export const DEMO_SERVERS: readonly DemoServer[] = [
  {
    id: 'payments-mcp',
    tools: [
      {
        name: 'refunds.create',
        callsPerSecond: 3,
        errorRate: 0.004,
        medianMs: 320,
        degrades: { afterMs: 10_000, errorRate: 0.35, medianMs: 4200, fallbackRate: 0.3 },
      },
      { name: 'refunds.status', callsPerSecond: 2, errorRate: 0.002, medianMs: 90 },
    ],
  },
  {
    id: 'crm-writer-mcp',
    tools: [
      {
        name: 'contacts.update',
        callsPerSecond: 1.5,
        errorRate: 0.008,
        medianMs: 210,
        expectedBlockRate: 0.02,
      },
    ],
  },
  {
    id: 'search-mcp',
    tools: [
      { name: 'search.query', callsPerSecond: 4, errorRate: 0.005, medianMs: 140 },
      { name: 'search.suggest', callsPerSecond: 2, errorRate: 0.002, medianMs: 40 },
    ],
  },
  {
    id: 'wiki-mcp',
    tools: [
      { name: 'pages.read', callsPerSecond: 1.5, errorRate: 0.003, medianMs: 120, unexpectedBlockRate: 0.01 },
    ],
  },
  {
    id: 'weather-mcp',
    tools: [{ name: 'forecast.get', callsPerSecond: 1, errorRate: 0.006, medianMs: 260 }],
  },
  { id: 'notes-mcp', tools: [{ name: 'notes.search', callsPerSecond: 0.5, errorRate: 0.01, medianMs: 180 }] },
];

/** The history is filled at this fraction of the live rate. */
export const BACKFILL_RATE = 1 / 100;
