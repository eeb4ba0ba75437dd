import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileRecognizer, DEFAULT_OUTCOME_RULES } from '@budgetwatch/domain';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { loadConfig } from './load-config.js';
import { toRecognitionSettings } from './recognition-schema.js';

const dir = mkdtempSync(join(tmpdir(), 'bw-recognition-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function load(text: string) {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  return { file, load: () => loadConfig({ file, env: {} }).config };
}

const IN_HOUSE = `recognition:
  disabled: [openinference-tool]
  profiles:
    - name: acme-rpc
      perspective: client
      match:
        spanKinds: [client]
        attributes:
          - { attribute: acme.rpc.kind, equals: tool }
      tool:
        attributes: [acme.tool]
        spanName: "^acme (\\\\S+)$"
      server:
        - { attribute: acme.backend, port: acme.port }
      outcome:
        error:
          - { attribute: acme.result, equals: failed }
`;

describe('the recognition section', () => {
  it('defaults to the built-in profiles, none disabled', () => {
    expect(loadConfig({ env: {} }).config.recognition).toEqual({ disabled: [], profiles: [] });
  });

  it('the example configuration puts its own profile before the built-in ones', () => {
    const example = join(import.meta.dirname, '../../../config/budgetwatch.example.yaml');
    const { recognition } = loadConfig({ file: example, env: {} }).config;
    const names = compileRecognizer(toRecognitionSettings(recognition)).profiles.map(
      (profile) => profile.name,
    );
    expect(names.slice(0, 2)).toEqual(['acme-rpc', 'shinzo-mcp']);
  });

  it('reads an in-house profile; outcome lists left out keep the defaults', () => {
    const settings = toRecognitionSettings(load(IN_HOUSE).load().recognition);
    expect(settings.disabled).toEqual(['openinference-tool']);
    expect(settings.profiles[0]).toMatchObject({
      name: 'acme-rpc',
      perspective: 'client',
      tool: { attributes: ['acme.tool'], spanName: '^acme (\\S+)$' },
      server: [{ attribute: 'acme.backend', on: 'span', port: 'acme.port' }],
      outcome: {
        statusError: true,
        error: [{ attribute: 'acme.result', on: 'span', equals: 'failed' }],
        policyBlock: DEFAULT_OUTCOME_RULES.policyBlock,
      },
    });
    expect(compileRecognizer(settings).profiles.map((profile) => profile.name)).not.toContain(
      'openinference-tool',
    );
  });

  it.each([
    [
      'an unknown built-in to disable',
      'recognition:\n  disabled: [openllmetry]\n',
      'recognition.disabled',
      'no built-in profile is named openllmetry',
    ],
    [
      "a built-in profile's name",
      IN_HOUSE.replace('name: acme-rpc', 'name: traceloop-mcp'),
      'recognition.profiles',
      "is a built-in profile's name",
    ],
    [
      'a match on the span kind alone',
      IN_HOUSE.replace(/ {8}attributes:\n.*acme.rpc.kind.*\n/, ''),
      'recognition.profiles.0.match',
      'match on at least one attribute',
    ],
    [
      'a tool-name pattern without a group',
      IN_HOUSE.replace('(\\\\S+)', '\\\\S+'),
      'recognition.profiles.0.tool.spanName',
      'needs a capture group',
    ],
    [
      'a perspective that is neither side',
      IN_HOUSE.replace('perspective: client', 'perspective: both'),
      'recognition.profiles.0.perspective',
      'expected one of',
    ],
    [
      'an unknown field',
      IN_HOUSE.replace('perspective: client', 'perspective: client\n      colour: red'),
      'recognition.profiles.0.colour',
      'unknown field',
    ],
  ])('refuses %s, naming the field', (_label, text, field, reason) => {
    const config = load(text);
    try {
      config.load();
      expect.unreachable('the configuration should be refused');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(field);
      expect((error as Error).message).toContain(reason);
    }
  });
});
