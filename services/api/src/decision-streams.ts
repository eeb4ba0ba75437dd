import type { ServerResponse } from 'node:http';
import type { DecisionChange, DecisionFeed } from '@budgetwatch/events';
import { observeCounts } from '@budgetwatch/telemetry';
import { SSE_KEEPALIVE, sseMessage, sseRetry } from './server-sent-events.js';

export interface DecisionStreamsOptions {
  feed: DecisionFeed;
  /**
   * Whether the feed is current; while it is not, no keepalive is sent, so a client's staleness
   * bound tells it the feed is lost (docs/policy-engines.md). Default: always.
   */
  live?: () => boolean;
  /** Open streams at most; one more is refused (503). */
  maxClients?: number;
  /** A keepalive comment this often, so a client knows the feed is alive without changes. */
  heartbeatMs?: number;
  /** A client whose unsent bytes exceed this is too slow to follow: its stream is cut. */
  maxBufferedBytes?: number;
  /** What `retry:` tells clients to wait before reconnecting. */
  retryMs?: number;
}

interface Client {
  response: ServerResponse;
  server: string | undefined;
}

export const DECISION_STREAM_DEFAULTS = {
  maxClients: 1000,
  heartbeatMs: 5000,
  maxBufferedBytes: 1024 * 1024,
  retryMs: 1000,
} as const;

/**
 * The open `GET /api/v1/decisions/stream` connections: each gets what it missed (or a snapshot),
 * then every change on its filter, and a keepalive comment every heartbeat. Writes never wait for
 * a client: one that lets more than `maxBufferedBytes` pile up is dropped (it reconnects with its
 * Last-Event-ID and resumes), so a slow reader costs bounded memory and never holds up the others.
 */
export class DecisionStreams {
  private readonly clients = new Set<Client>();
  private readonly settings: Required<Omit<DecisionStreamsOptions, 'feed' | 'live'>>;
  private readonly unsubscribe: () => void;
  private readonly heartbeat: NodeJS.Timeout;
  /** Clients dropped for reading too slowly, since start. */
  droppedSlowClients = 0;

  constructor(private readonly options: DecisionStreamsOptions) {
    this.settings = {
      maxClients: options.maxClients ?? DECISION_STREAM_DEFAULTS.maxClients,
      heartbeatMs: options.heartbeatMs ?? DECISION_STREAM_DEFAULTS.heartbeatMs,
      maxBufferedBytes: options.maxBufferedBytes ?? DECISION_STREAM_DEFAULTS.maxBufferedBytes,
      retryMs: options.retryMs ?? DECISION_STREAM_DEFAULTS.retryMs,
    };
    this.unsubscribe = options.feed.subscribe((change) => this.broadcast(change));
    observeCounts('budgetwatch.api', [
      {
        name: 'budgetwatch.api.decision_streams_dropped',
        description: 'Decision streams cut off because their client read too slowly',
        read: () => this.droppedSlowClients,
      },
    ]);
    this.heartbeat = setInterval(() => this.sendKeepalive(), this.settings.heartbeatMs);
    this.heartbeat.unref();
  }

  get count(): number {
    return this.clients.size;
  }

  get full(): boolean {
    return this.clients.size >= this.settings.maxClients;
  }

  /** Starts a stream on a response whose headers are sent: what the client missed, then live. */
  open(response: ServerResponse, after: number | null, server: string | undefined): void {
    const client: Client = { response, server };
    this.clients.add(client);
    response.once('close', () => this.clients.delete(client));
    let text = sseRetry(this.settings.retryMs);
    const resumed = this.options.feed.resume(after, server);
    if (resumed.kind === 'snapshot') {
      text += sseMessage('snapshot', resumed.version, {
        version: resumed.version,
        decisions: resumed.decisions,
      });
    } else {
      for (const change of resumed.changes) text += sseMessage('decision', change.version, change.subject);
    }
    // Synchronous from resume to here: no change can fall between what was sent and what follows.
    this.write(client, text);
  }

  /** A keepalive comment to every client, if the feed is live (the heartbeat timer calls it). */
  sendKeepalive(): void {
    if (this.options.live !== undefined && !this.options.live()) return;
    for (const client of this.clients) this.write(client, SSE_KEEPALIVE);
  }

  close(): void {
    this.unsubscribe();
    clearInterval(this.heartbeat);
    for (const client of this.clients) client.response.end();
    this.clients.clear();
  }

  private broadcast(change: DecisionChange): void {
    const message = sseMessage('decision', change.version, change.subject);
    for (const client of this.clients) {
      if (client.server === undefined || client.server === change.subject.server) this.write(client, message);
    }
  }

  private write(client: Client, text: string): void {
    const { response } = client;
    if (response.destroyed || response.writableEnded) {
      this.clients.delete(client);
      return;
    }
    response.write(text);
    if (response.writableLength > this.settings.maxBufferedBytes) {
      this.droppedSlowClients += 1;
      this.clients.delete(client);
      response.destroy();
    }
  }
}
