import type { SlackMessage } from '@budgetwatch/alerting';
import type { Logger } from '@budgetwatch/logger';
import {
  type ChatPostMessageResponse,
  LogLevel,
  type Logger as SlackLogger,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
} from '@slack/web-api';
import { DeliveryError, reasonToken, unrecognisedDeliveryError } from './delivery-error.js';

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

/** What the dispatcher needs from Slack; SlackSink does it through the Web API. */
export interface SlackPoster {
  /** Posts a message (in a thread with `threadTs`); throws a DeliveryError when it does not. */
  post(channel: string, message: SlackMessage, threadTs?: string): Promise<SlackMessageRef>;
  /** Replaces a posted message; throws a DeliveryError when it does not. */
  update(ref: SlackMessageRef, message: SlackMessage): Promise<void>;
}

/**
 * Platform errors (HTTP 200, `ok: false`) that are Slack's own trouble rather than the request's:
 * the same call may pass later. Every other platform error names something wrong with the call
 * (channel_not_found, not_in_channel, is_archived, invalid_auth, account_inactive, invalid_blocks,
 * msg_too_long...) and comes back on every attempt.
 */
const PASSING_PLATFORM_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
  'rate_limited',
  'team_added_to_org',
]);

/** Platform errors about the message itself: a minimal plain-text message can still go through. */
const CONTENT_PLATFORM_ERRORS = new Set([
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_too_long',
  'msg_blocks_too_long',
]);

/**
 * A failed Web API call as a DeliveryError: a platform error is permanent unless Slack says it is
 * its own trouble; rate limits, HTTP 408 and 5xx and network errors are retriable; any other HTTP
 * status comes from something that is not Slack's Web API (a proxy, a wrong URL): permanent.
 */
export function slackDeliveryError(error: unknown): DeliveryError {
  if (error instanceof WebAPIPlatformError) {
    const code = error.data.error;
    return new DeliveryError(
      {
        reason: reasonToken(code, 'platform_error'),
        retriable: PASSING_PLATFORM_ERRORS.has(code),
        contentRejected: CONTENT_PLATFORM_ERRORS.has(code),
      },
      { cause: error },
    );
  }
  if (error instanceof WebAPIRateLimitedError) {
    return new DeliveryError(
      { reason: 'rate_limited', retriable: true, contentRejected: false },
      { cause: error },
    );
  }
  if (error instanceof WebAPIHTTPError) {
    const status = error.statusCode;
    return new DeliveryError(
      {
        reason: `http_${status}`,
        retriable: status === 408 || status === 429 || status >= 500,
        contentRejected: false,
      },
      { cause: error },
    );
  }
  if (error instanceof WebAPIRequestError) {
    const timedOut = error.original.name === 'TimeoutError' || error.original.name === 'AbortError';
    return new DeliveryError(
      { reason: timedOut ? 'timeout' : 'network', retriable: true, contentRejected: false },
      { cause: error },
    );
  }
  return unrecognisedDeliveryError(error);
}

/**
 * Slack through @slack/web-api. The client waits out 429s (Retry-After) and retries 5xx and network
 * errors a few times; what still fails is thrown as a DeliveryError, and the dispatcher retries it
 * later if it is retriable.
 */
export class SlackSink implements SlackPoster {
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
    let response: ChatPostMessageResponse;
    try {
      response = await this.client.chat.postMessage({
        channel,
        text: message.text,
        ...(message.blocks.length === 0 ? {} : { blocks: message.blocks }),
        unfurl_links: false,
        unfurl_media: false,
        ...(threadTs === undefined ? {} : { thread_ts: threadTs }),
      });
    } catch (error) {
      throw slackDeliveryError(error);
    }
    if (response.ts === undefined || response.channel === undefined) {
      // Posted, perhaps: trying again could post it twice.
      throw new DeliveryError({ reason: 'unexpected_response', retriable: false, contentRejected: false });
    }
    return { channel: response.channel, ts: response.ts };
  }

  async update(ref: SlackMessageRef, message: SlackMessage): Promise<void> {
    try {
      await this.client.chat.update({
        channel: ref.channel,
        ts: ref.ts,
        text: message.text,
        // An empty list removes the blocks: a plain-text update replaces the whole message.
        blocks: message.blocks,
      });
    } catch (error) {
      throw slackDeliveryError(error);
    }
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
