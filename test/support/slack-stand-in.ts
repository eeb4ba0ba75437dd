import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One Web API call the stand-in answered with ok. */
export interface SlackCall {
  method: 'chat.postMessage' | 'chat.update';
  channel: string;
  ts: string;
  threadTs: string | null;
  text: string;
  /** The blocks as sent (JSON text), for what people would read. */
  blocks: string;
  /** The whole request body, for injection checks. */
  raw: string;
}

/** A call the stand-in refused with a platform error, as Slack does: HTTP 200, `ok: false`. */
export interface RefusedSlackCall {
  method: string;
  channel: string;
  error: string;
  text: string;
}

/**
 * How to fail one call: an HTTP status (429 with Retry-After, 5xx), as Slack does under load, or a
 * platform error (`invalid_blocks`, `msg_too_long`...), which Slack answers with HTTP 200.
 */
export type SlackFailure = { status: number; retryAfterS?: number } | { error: string };

/**
 * A local HTTP server that speaks the two Slack Web API methods the notifier uses, the way Slack
 * answers them (form or JSON bodies, `{ ok, channel, ts }`), and can be told to fail the next
 * calls, or every call to a channel (`channel_not_found`, `not_in_channel`, `is_archived`...).
 */
export class SlackStandIn {
  readonly calls: SlackCall[] = [];
  readonly refused: RefusedSlackCall[] = [];
  /** Every request, failed ones included. */
  requests = 0;
  private readonly failures: SlackFailure[] = [];
  private readonly refusedChannels = new Map<string, string>();
  private server: Server | undefined;
  private nextTs = 1_764_000_000_000_100;

  get apiUrl(): string {
    if (this.server === undefined) throw new Error('the Slack stand-in is not started');
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/api/`;
  }

  failNext(...failures: SlackFailure[]): void {
    this.failures.push(...failures);
  }

  /** Every call to `channel` is answered with the platform error, until `acceptChannel`. */
  refuseChannel(channel: string, error = 'channel_not_found'): void {
    this.refusedChannels.set(channel, error);
  }

  acceptChannel(channel: string): void {
    this.refusedChannels.delete(channel);
  }

  posts(channel?: string): SlackCall[] {
    return this.calls.filter(
      (call) => call.method === 'chat.postMessage' && (channel === undefined || call.channel === channel),
    );
  }

  updates(): SlackCall[] {
    return this.calls.filter((call) => call.method === 'chat.update');
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      void readBody(request).then((raw) => {
        this.requests += 1;
        const method = request.url?.replace(/^\/api\//, '').split('?')[0] ?? '';
        const body = parseBody(raw, request.headers['content-type'] ?? '');
        const failure = this.failures.shift();
        if (failure !== undefined && 'status' in failure) {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (failure.retryAfterS !== undefined) headers['retry-after'] = String(failure.retryAfterS);
          response
            .writeHead(failure.status, headers)
            .end(JSON.stringify({ ok: false, error: 'stand_in_failure' }));
          return;
        }
        const answer = (error: string) =>
          response
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ ok: false, error }));
        if (request.headers.authorization !== 'Bearer xoxb-test-token') return answer('invalid_auth');
        if (method !== 'chat.postMessage' && method !== 'chat.update') return answer('unknown_method');
        const platformError = failure?.error ?? this.refusedChannels.get(body.channel ?? '');
        if (platformError !== undefined) {
          this.refused.push({
            method,
            channel: body.channel ?? '',
            error: platformError,
            text: body.text ?? '',
          });
          return answer(platformError);
        }
        const ts = method === 'chat.update' ? (body.ts ?? '') : this.timestamp();
        this.calls.push({
          method,
          channel: body.channel ?? '',
          ts,
          threadTs: body.thread_ts ?? null,
          text: body.text ?? '',
          blocks: body.blocks ?? '[]',
          raw,
        });
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ok: true, channel: body.channel, ts }));
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
  }

  async stop(): Promise<void> {
    if (this.server === undefined) return;
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  private timestamp(): string {
    this.nextTs += 1;
    const text = String(this.nextTs);
    return `${text.slice(0, 10)}.${text.slice(10)}`;
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Slack clients send form-encoded bodies (objects as JSON text) or JSON. */
function parseBody(raw: string, contentType: string): Record<string, string | undefined> {
  if (contentType.includes('application/json')) {
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(parsed).map(([key, value]) => [
        key,
        typeof value === 'string' ? value : JSON.stringify(value),
      ]),
    );
  }
  return Object.fromEntries(new URLSearchParams(raw));
}
