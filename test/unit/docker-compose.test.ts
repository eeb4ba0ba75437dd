import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@budgetwatch/config';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '../..');

interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
}

/** docker-compose.yml as Compose reads it (anchors and merge keys resolved). */
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};

/**
 * No Docker engine runs here, so the compose file is checked the way Compose would read it: against
 * the Compose Specification's JSON Schema (as dclint ships it), and each Budgetwatch service's
 * environment through Budgetwatch's own configuration loader.
 */
describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    // dclint keeps a current copy of the Compose Specification's schema (it exports no subpath).
    const schemaPath = join(ROOT, 'node_modules/dclint/schemas/compose.schema.json');
    // Draft 7, named by an https URL that Ajv does not know as its draft-07 meta-schema.
    const { $schema: _draft, ...schema } = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<
      string,
      unknown
    >;
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    const valid = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([]);
    expect(valid).toBe(true);
    // The schema is live: what Compose refuses, it refuses.
    const typo = {
      ...compose,
      services: { ...compose.services, api: { ...compose.services.api, prots: [] } },
    };
    expect(validate(typo)).toBe(false);
  });

  it('publishes every port on the host loopback only', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const port of service.ports ?? []) expect(port, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    }
  });

  it('gives each Budgetwatch stage what it needs: Kafka and Redis, and the notifier a channel and a route', () => {
    const stages = Object.entries(compose.services).filter(([, service]) => service.command !== undefined);
    const budgetwatch = stages.filter(([, service]) =>
      ['ingest-worker', 'evaluator', 'notifier', 'api'].includes(service.command?.[0] ?? ''),
    );
    expect(budgetwatch.map(([name]) => name).sort()).toEqual([
      'api',
      'evaluator',
      'ingest-worker',
      'notifier',
    ]);
    for (const [name, service] of budgetwatch) {
      const { config } = loadConfig({ env: service.environment ?? {} });
      expect(config.kafka?.brokers, name).toEqual(['kafka:9092']);
      expect(config.redis?.url, name).toBe('redis://redis:6379');
    }
    // The api runs the OTLP intake (it has Kafka) on every interface: it must say who may send.
    const api = loadConfig({ env: compose.services.api?.environment ?? {} }).config.http;
    expect(api.host).toBe('0.0.0.0');
    expect(api.intakeToken !== undefined || api.intakeUnauthenticated).toBe(true);
    const notifier = loadConfig({ env: compose.services.notifier?.environment ?? {} }).config.notifier;
    expect(notifier.email).toMatchObject({ smtpUrl: 'smtp://smtp:1025' });
    expect(notifier.routes.default.emails?.length ?? 0).toBeGreaterThan(0);
  });
});
