import { describe, expect, it } from 'vitest';
import { decodeIncidentReference, encodeIncidentReference, slackActor } from './slack-actions.js';

describe('incident reference (a button value)', () => {
  it('round-trips, with any server name', () => {
    const reference = { incidentId: 'inc-0123456789abcdef', server: 'a|b <!here>', drill: true };
    const value = encodeIncidentReference(reference);
    expect(value).not.toMatch(/[<>]/);
    expect(decodeIncidentReference(value)).toEqual(reference);
  });

  it.each([
    [undefined],
    [42],
    [''],
    ['inc-0123456789abcdef|p|'],
    ['inc-0123456789abcdeg|p|payments-mcp'],
    ['inc-0123456789abcdef|x|payments-mcp'],
    ['inc-0123456789abcdef'],
    ['inc-0123456789abcdef|p|cGF5bWVudHM='],
    ['inc-0123456789abcdef|p|<!channel>'],
    [`inc-0123456789abcdef|p|${'s'.repeat(1100)}`],
  ])('refuses %j', (value) => {
    expect(decodeIncidentReference(value)).toBeNull();
  });
});

describe('slackActor', () => {
  it('names the user by name and id, display-safe and without the log separator', () => {
    expect(slackActor({ id: 'U024BE7LH', name: 'alice' })).toBe('slack:alice (U024BE7LH)');
    expect(slackActor({ id: 'U024BE7LH' })).toBe('slack:U024BE7LH');
    expect(slackActor({ id: 'U1|x', name: 'a|b\nc' })).not.toContain('|');
  });
});
