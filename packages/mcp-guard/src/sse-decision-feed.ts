/**
 * Follows `GET /api/v1/decisions/stream` (docs/guard.md, "The decision feeds"): a snapshot,
 * then one event per change; reconnects with Last-Event-ID and a growing delay, so a resumed
 * stream sends only what was missed.
 */
import { StoreFedFeed } from './decision-feed.js';
import { SseParser } from './sse-parser.js';
import { decisionSnapshotSchema, parseFeedJson, subjectDecisionsSchema } from './subject-decisions.js';

export interface SseDecisionFeedOptions {
  /** Budgetwatch's API base URL, e.g. `http://127.0.0.1:8080`. */
  apiUrl: string;
  /** The API's read token, sent as a bearer token. */
  token?: string;
  /** Only this server's subjects (`?server=`); all when absent. */
  server?: string;
  /** The first reconnection delay when the stream sent no `retry:`; doubles up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** No bytes for this long (the stream sends a keepalive every 5 s): drop and reconnect. */
  idleReconnectMs?: number;
  /** Told of every failed connection or unreadable message; the feed keeps going. */
  onError?: (error: Error) => void;
  /** The clock staleness is measured with. */
  now?: () => number;
}

const DEFAULT_INITIAL_BACKOFF_MS = 1_000;
const DEFAULT_MAX_BACKOFF_MS = 30_000;
const DEFAULT_IDLE_RECONNECT_MS = 15_000;

export class SseDecisionFeed extends StoreFedFeed {
  readonly #options: SseDecisionFeedOptions;
  readonly #url: URL;
  #lastEventId = '';
  #retryMs: number;
  #failures = 0;
  #closed = false;
  #connection: AbortController | undefined;
  #backoffTimer: NodeJS.Timeout | undefined;
  #wakeBackoff: (() => void) | undefined;
  #running: Promise<void>;
  #connections = 0;

  constructor(options: SseDecisionFeedOptions) {
    super(options.now ?? Date.now);
    this.#options = options;
    this.#retryMs = options.initialBackoffMs ?? DEFAULT_INITIAL_BACKOFF_MS;
    this.#url = new URL(
      'api/v1/decisions/stream',
      options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/`,
    );
    if (options.server !== undefined) this.#url.searchParams.set('server', options.server);
    this.#running = this.#run();
  }

  /** The last event id received: the version the next connection resumes after. */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** How many connections were opened so far (each answered with 200). */
  get connections(): number {
    return this.#connections;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#connection?.abort();
    clearTimeout(this.#backoffTimer);
    this.#wakeBackoff?.();
    await this.#running;
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      try {
        await this.#connect();
      } catch (error) {
        if (!this.#closed) this.#options.onError?.(asError(error));
      }
      if (this.#closed) return;
      await this.#backoff();
    }
  }

  async #connect(): Promise<void> {
    const connection = new AbortController();
    this.#connection = connection;
    const headers: Record<string, string> = { accept: 'text/event-stream', 'cache-control': 'no-cache' };
    if (this.#options.token !== undefined) headers.authorization = `Bearer ${this.#options.token}`;
    if (this.#lastEventId !== '') headers['last-event-id'] = this.#lastEventId;
    const response = await fetch(this.#url, { headers, signal: connection.signal });
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new Error(`the decision stream answered ${response.status} ${response.statusText}`);
    }
    const type = response.headers.get('content-type') ?? '';
    if (!type.startsWith('text/event-stream')) {
      await response.body.cancel();
      throw new Error(
        `the decision stream answered with ${type || 'no content type'}, not text/event-stream`,
      );
    }
    this.#connections += 1;
    this.#failures = 0;
    const parser = new SseParser(this.#lastEventId);
    const idleMs = this.#options.idleReconnectMs ?? DEFAULT_IDLE_RECONNECT_MS;
    let idle = setTimeout(() => connection.abort(), idleMs);
    try {
      const decoder = new TextDecoderStream();
      const reader = response.body.pipeThrough(decoder).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        this.store.touch();
        clearTimeout(idle);
        idle = setTimeout(() => connection.abort(), idleMs);
        const { events, retryMs } = parser.push(value);
        if (retryMs !== undefined) this.#retryMs = retryMs;
        for (const event of events) {
          if (connection.signal.aborted) break;
          this.#apply(event.event, event.data, event.id);
        }
      }
    } finally {
      clearTimeout(idle);
      connection.abort();
    }
  }

  #apply(type: string, data: string, id: string): void {
    if (type === 'snapshot') {
      const snapshot = parseFeedJson(decisionSnapshotSchema, data);
      if (snapshot === undefined) {
        this.#unreadable(type);
        return;
      }
      this.store.replaceAll(snapshot.decisions);
    } else if (type === 'decision') {
      const subject = parseFeedJson(subjectDecisionsSchema, data);
      if (subject === undefined) {
        this.#unreadable(type);
        return;
      }
      this.store.put(subject);
    } else {
      return;
    }
    // Only an applied event moves the resume point: an unreadable one is asked for again.
    this.#lastEventId = id;
  }

  #unreadable(type: string): void {
    this.#options.onError?.(new Error(`the decision stream sent an unreadable ${type} event; reconnecting`));
    this.#connection?.abort();
  }

  #backoff(): Promise<void> {
    const max = this.#options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
    const delay = Math.min(max, this.#retryMs * 2 ** Math.min(this.#failures, 16));
    this.#failures += 1;
    // Up to a fifth less, so guards cut off together do not reconnect together.
    const jittered = delay - Math.random() * delay * 0.2;
    return new Promise((resolve) => {
      this.#wakeBackoff = resolve;
      this.#backoffTimer = setTimeout(resolve, jittered);
    });
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
