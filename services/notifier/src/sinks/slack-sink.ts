import type { SlackMessage } from '@budgetwatch/alerting';
import type { Logger } from '@budgetwatch/logger';
import { LogLevel, type Logger as SlackLogger, WebClient } from '@slack/web-api';

export interface SlackSinkOptions {
  token: string;
  /** The Web API base URL; only tests point it elsewhere. */
  apiUrl?: string | undefined;
  logger: Logger;
  /** Per request; a slow call counts as a failure and is retried. */
  timeoutMs?: number;
}

export interface SlackMessageRef {
  channel: string;
  ts: string;
}

/**
 * Slack through @slack/web-api. The client waits out 429s (Retry-After) and retries 5xx and network
 * errors a few times; what still fails is retried later by the dispatcher, which keeps the
 * notification until it is delivered.
 */
export class SlackSink {
  private readonly client: WebClient;

  constructor(options: SlackSinkOptions) {
    this.client = new WebClient(options.token, {
      ...(options.apiUrl === undefined ? {} : { slackApiUrl: options.apiUrl }),
      timeout: options.timeoutMs ?? 10_000,
      retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 4000 },
      rejectRateLimitedCalls: false,
      logger: slackLogger(options.logger),
      logLevel: LogLevel.WARN,
    });
  }

  async post(channel: string, message: SlackMessage, threadTs?: string): Promise<SlackMessageRef> {
    const response = await this.client.chat.postMessage({
      channel,
      text: message.text,
      blocks: message.blocks,
      unfurl_links: false,
      unfurl_media: false,
      ...(threadTs === undefined ? {} : { thread_ts: threadTs }),
    });
    if (response.ts === undefined || response.channel === undefined) {
      throw new Error('chat.postMessage answered without channel and ts');
    }
    return { channel: response.channel, ts: response.ts };
  }

  async update(ref: SlackMessageRef, message: SlackMessage): Promise<void> {
    await this.client.chat.update({
      channel: ref.channel,
      ts: ref.ts,
      text: message.text,
      blocks: message.blocks,
    });
  }
}

/** The Web API client's own log lines, through Budgetwatch's logger. */
function slackLogger(logger: Logger): SlackLogger {
  let level = LogLevel.WARN;
  const child = logger.child({ component: 'slack' });
  return {
    debug: (...messages: unknown[]) => child.debug(messages.map(String).join(' ')),
    info: (...messages: unknown[]) => child.info(messages.map(String).join(' ')),
    warn: (...messages: unknown[]) => child.warn(messages.map(String).join(' ')),
    error: (...messages: unknown[]) => child.error(messages.map(String).join(' ')),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
