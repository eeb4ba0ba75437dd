import { waitFor } from '@budgetwatch/testkit';

/** One Server-Sent Events message as a client reads it. */
export interface SseMessage {
  event: string;
  id: string | null;
  data: string;
}

/**
 * A Server-Sent Events client over fetch, as a browser's EventSource reads a stream: messages,
 * comments and `retry:` kept in order of arrival, for tests to wait on.
 */
export class SseClient {
  readonly messages: SseMessage[] = [];
  comments = 0;
  retryMs: number | null = null;
  private buffer = '';
  private ended = false;

  private constructor(
    private readonly abort: AbortController,
    readonly status: number,
  ) {}

  static async connect(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const abort = new AbortController();
    const response = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: abort.signal,
    });
    const client = new SseClient(abort, response.status);
    if (response.body === null || !response.ok) {
      abort.abort();
      client.ended = true;
      return client;
    }
    void client.read(response.body);
    return client;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Waits until `count` messages have arrived; returns them all. */
  async waitForMessages(count: number, timeoutMs = 15_000): Promise<SseMessage[]> {
    await waitFor(() => this.messages.length >= count, {
      description: `${count} server-sent messages (have ${this.messages.length})`,
      timeoutMs,
      intervalMs: 10,
    });
    return this.messages;
  }

  close(): void {
    this.abort.abort();
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) {
        this.buffer += decoder.decode(chunk, { stream: true });
        let end = this.buffer.indexOf('\n\n');
        while (end >= 0) {
          this.take(this.buffer.slice(0, end));
          this.buffer = this.buffer.slice(end + 2);
          end = this.buffer.indexOf('\n\n');
        }
      }
    } catch {
      // Aborted, or the server cut the stream.
    } finally {
      this.ended = true;
    }
  }

  private take(block: string): void {
    let event = 'message';
    let id: string | null = null;
    const data: string[] = [];
    let fields = 0;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments += 1;
        continue;
      }
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (name === 'retry') this.retryMs = Number(value);
      else if (name === 'event') event = value;
      else if (name === 'id') id = value;
      else if (name === 'data') data.push(value);
      else continue;
      if (name !== 'retry') fields += 1;
    }
    if (fields > 0) this.messages.push({ event, id, data: data.join('\n') });
  }
}
