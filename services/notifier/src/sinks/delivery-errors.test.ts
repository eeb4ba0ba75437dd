import {
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
} from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import type { DeliveryError } from './delivery-error.js';
import { smtpDeliveryError } from './email-sink.js';
import { slackDeliveryError } from './slack-sink.js';

const summary = (error: DeliveryError) => ({
  reason: error.reason,
  retriable: error.retriable,
  contentRejected: error.contentRejected,
});

const platformError = (code: string) => new WebAPIPlatformError({ ok: false, error: code });

/** An error as nodemailer hands it over: its code, and the server's reply code when there was one. */
const smtpError = (code: string, responseCode?: number) =>
  Object.assign(new Error(`smtp ${code} ${responseCode ?? ''}`), { code, responseCode });

describe('Slack failures', () => {
  it.each([
    ['channel_not_found', false, false],
    ['not_in_channel', false, false],
    ['is_archived', false, false],
    ['invalid_auth', false, false],
    ['account_inactive', false, false],
    ['invalid_blocks', false, true],
    ['msg_too_long', false, true],
    ['internal_error', true, false],
    ['service_unavailable', true, false],
  ])('platform error %s: retriable %s, content %s', (code, retriable, contentRejected) => {
    expect(summary(slackDeliveryError(platformError(code)))).toEqual({
      reason: code,
      retriable,
      contentRejected,
    });
  });

  it('keeps a platform error that is not a plain token out of the reason', () => {
    expect(slackDeliveryError(platformError('<!channel> and more')).reason).toBe('platform_error');
  });

  it.each([
    [new WebAPIRateLimitedError(30), { reason: 'rate_limited', retriable: true }],
    [new WebAPIHTTPError(503, 'Service Unavailable', {}, ''), { reason: 'http_503', retriable: true }],
    [new WebAPIHTTPError(429, 'Too Many Requests', {}, ''), { reason: 'http_429', retriable: true }],
    [new WebAPIHTTPError(404, 'Not Found', {}, ''), { reason: 'http_404', retriable: false }],
    [new WebAPIRequestError(new Error('connect ECONNREFUSED')), { reason: 'network', retriable: true }],
    [
      new WebAPIRequestError(Object.assign(new Error('aborted'), { name: 'TimeoutError' })),
      { reason: 'timeout', retriable: true },
    ],
    [new Error('A rate limit was exceeded'), { reason: 'unknown', retriable: true }],
  ])('%s', (error, expected) => {
    expect(summary(slackDeliveryError(error))).toEqual({ ...expected, contentRejected: false });
  });
});

describe('SMTP failures', () => {
  it.each([
    [smtpError('EENVELOPE', 550), { reason: 'smtp_550', retriable: false, contentRejected: false }],
    [smtpError('EMESSAGE', 554), { reason: 'smtp_554', retriable: false, contentRejected: false }],
    [smtpError('EMESSAGE', 552), { reason: 'smtp_552', retriable: false, contentRejected: true }],
    [smtpError('EAUTH', 535), { reason: 'smtp_535', retriable: false, contentRejected: false }],
    // A bad command sequence: a new connection clears it.
    [smtpError('EPROTOCOL', 503), { reason: 'smtp_503', retriable: true, contentRejected: false }],
    [smtpError('EENVELOPE', 451), { reason: 'smtp_451', retriable: true, contentRejected: false }],
    [smtpError('ECONNECTION', 421), { reason: 'smtp_421', retriable: true, contentRejected: false }],
    [smtpError('ECONNECTION'), { reason: 'connection_failed', retriable: true, contentRejected: false }],
    [smtpError('ETIMEDOUT'), { reason: 'timeout', retriable: true, contentRejected: false }],
    [smtpError('EAUTH'), { reason: 'auth_failed', retriable: false, contentRejected: false }],
    [smtpError('EENVELOPE'), { reason: 'invalid_envelope', retriable: false, contentRejected: false }],
    [new Error('something else'), { reason: 'unknown', retriable: true, contentRejected: false }],
  ])('%s', (error, expected) => {
    expect(summary(smtpDeliveryError(error))).toEqual(expected);
  });
});
