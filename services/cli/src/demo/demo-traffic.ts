import type { Logger } from '@budgetwatch/logger';
import { BACKFILL_RATE, DEMO_SERVERS, type DemoServer, type DemoTool } from './demo-servers.js';
import { callCount, demoRecord, seededRandom } from './demo-spans.js';

/** Where demo records go: the in-process queue, or the span topic. */
export interface DemoSink {
  send(records: readonly Uint8Array[]): Promise<void>;
}

const HOUR = 3_600_000;
/** History starts a little inside 24h: spans older than the largest window are not counted. */
const HISTORY_MS = 24 * HOUR - 10 * 60_000;
const TICK_MS = 1000;

/**
 * Realistic agent traffic for the demo: the last 24h at a low rate, then live calls every second,
 * with payments-mcp's refunds tool degrading shortly after the start.
 */
export class DemoTraffic {
  private readonly random = seededRandom(20261125);
  private timer: NodeJS.Timeout | undefined;
  private liveStartedMs = 0;
  private lastTickMs = 0;
  private sending: Promise<void> | undefined;
  private sent = 0;

  constructor(
    private readonly sink: DemoSink,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly servers: readonly DemoServer[] = DEMO_SERVERS,
  ) {}

  async start(): Promise<void> {
    const now = this.now();
    for (const server of this.servers) {
      // One record per server and hour of history.
      for (let from = now - HISTORY_MS; from < now; from += HOUR) {
        const to = Math.min(now, from + HOUR);
        await this.sink.send([
          demoRecord(server, this.callsBetween(server, from, to, BACKFILL_RATE), null, this.random),
        ]);
      }
    }
    this.logger.info(
      { servers: this.servers.map((server) => server.id) },
      'demo: 24h of history sent; live traffic starts',
    );
    this.liveStartedMs = now;
    this.lastTickMs = now;
    this.timer = setInterval(() => {
      this.sending ??= this.tick().finally(() => {
        this.sending = undefined;
      });
    }, TICK_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sending;
  }

  private async tick(): Promise<void> {
    const now = this.now();
    const from = this.lastTickMs;
    this.lastTickMs = now;
    const elapsed = now - this.liveStartedMs;
    try {
      const records: Uint8Array[] = [];
      for (const server of this.servers) {
        const calls = this.callsBetween(server, from, now, 1);
        if ([...calls.values()].some((endTimes) => endTimes.length > 0))
          records.push(demoRecord(server, calls, elapsed, this.random));
      }
      await this.sink.send(records);
      this.sent += 1;
      if (this.sent === Math.ceil(10_000 / TICK_MS)) {
        this.logger.info(
          'demo: payments-mcp refunds.create is degrading now (errors, slow calls, fallbacks)',
        );
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'demo traffic not accepted; trying again next second');
    }
  }

  private callsBetween(
    server: DemoServer,
    fromMs: number,
    toMs: number,
    rateFactor: number,
  ): Map<DemoTool, number[]> {
    const calls = new Map<DemoTool, number[]>();
    for (const tool of server.tools) {
      const count = callCount(tool.callsPerSecond * rateFactor, toMs - fromMs, this.random);
      calls.set(
        tool,
        Array.from({ length: count }, () => fromMs + this.random() * (toMs - fromMs)),
      );
    }
    return calls;
  }
}
