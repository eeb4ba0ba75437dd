import { describe, expect, it } from 'vitest';
import { SLACK_SIGNATURE_MAX_AGE_MS, slackSignature, slackSignatureProblem } from './slack-signature.js';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const NOW = Date.UTC(2026, 10, 28, 12);
const TIMESTAMP = String(NOW / 1000);
const BODY = Buffer.from('payload=%7B%22type%22%3A%22block_actions%22%7D');

function headers(overrides: Record<string, string | undefined> = {}) {
  return {
    'x-slack-request-timestamp': TIMESTAMP,
    'x-slack-signature': slackSignature(SECRET, TIMESTAMP, BODY),
    ...overrides,
  };
}

describe('slackSignature', () => {
  it("matches Slack's documented example", () => {
    // The worked example of Slack's request-signing guide.
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(slackSignature(SECRET, '1531420618', body)).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
  });
});

describe('slackSignatureProblem', () => {
  it('accepts a request signed now, and up to 5 minutes either way', () => {
    expect(slackSignatureProblem(headers(), BODY, SECRET, NOW)).toBeNull();
    expect(slackSignatureProblem(headers(), BODY, SECRET, NOW + SLACK_SIGNATURE_MAX_AGE_MS)).toBeNull();
    expect(slackSignatureProblem(headers(), BODY, SECRET, NOW - SLACK_SIGNATURE_MAX_AGE_MS)).toBeNull();
  });

  it('refuses a timestamp more than 5 minutes old or ahead', () => {
    expect(slackSignatureProblem(headers(), BODY, SECRET, NOW + SLACK_SIGNATURE_MAX_AGE_MS + 1000)).toBe(
      'stale_timestamp',
    );
    expect(slackSignatureProblem(headers(), BODY, SECRET, NOW - SLACK_SIGNATURE_MAX_AGE_MS - 1000)).toBe(
      'stale_timestamp',
    );
  });

  it.each([
    [{ 'x-slack-signature': undefined }],
    [{ 'x-slack-request-timestamp': undefined }],
    [{ 'x-slack-request-timestamp': '' }],
    [{ 'x-slack-request-timestamp': '1e9' }],
    [{ 'x-slack-request-timestamp': '-1' }],
  ])('refuses missing or malformed headers %j', (overrides) => {
    expect(slackSignatureProblem(headers(overrides), BODY, SECRET, NOW)).toBe('missing_headers');
  });

  it('refuses a wrong signature, another secret, a changed body, and a signature of another length', () => {
    const signature = slackSignature(SECRET, TIMESTAMP, BODY);
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
    expect(slackSignatureProblem(headers({ 'x-slack-signature': flipped }), BODY, SECRET, NOW)).toBe(
      'bad_signature',
    );
    expect(slackSignatureProblem(headers(), BODY, `${SECRET}x`, NOW)).toBe('bad_signature');
    expect(slackSignatureProblem(headers(), Buffer.from(`${BODY}&x=1`), SECRET, NOW)).toBe('bad_signature');
    expect(slackSignatureProblem(headers({ 'x-slack-signature': 'v0=' }), BODY, SECRET, NOW)).toBe(
      'bad_signature',
    );
    expect(
      slackSignatureProblem(headers({ 'x-slack-signature': signature.toUpperCase() }), BODY, SECRET, NOW),
    ).toBe('bad_signature');
  });

  it('refuses a signature for another timestamp (a replayed body with a fresh timestamp)', () => {
    const old = String(NOW / 1000 - 600);
    const replayed = headers({ 'x-slack-signature': slackSignature(SECRET, old, BODY) });
    expect(slackSignatureProblem(replayed, BODY, SECRET, NOW)).toBe('bad_signature');
  });
});
