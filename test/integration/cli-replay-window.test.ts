import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  otlpJson,
  otlpProtobuf,
  recordToolCallSpans,
  type ToolCallSpanSpec,
  waitFor,
} from '@budgetwatch/testkit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { budgetwatch } from '../support/cli.js';
import { useIngestWorkers } from '../support/ingest.js';
import { useTopics } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';

const dir = mkdtempSync(join(tmpdir(), 'bw-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const topics = useTopics();
const namespace = await useRedisNamespace('cli-replay-window');

describe('budgetwatch replay and budgetwatch window', () => {
  const workers = useIngestWorkers(namespace);

  it('replays protobuf, JSON and JSON Lines files; window prints the exact aggregates', async () => {
    const spanTopic = await topics.create('replay-spans', { partitions: 2 });
    const deadLetterTopic = await topics.create('replay-dlq');
    const kafkaEnv = { KAFKA_BROKERS: inject('testBed').kafkaBrokers.join(',') };
    const now = Date.now();
    const specs = (tool: string, count: number, durationMs: (i: number) => number): ToolCallSpanSpec[] =>
      Array.from({ length: count }, (_, i) => ({
        tool,
        server: 'docs',
        endTimeMs: now - 30_000 - i * 1000,
        durationMs: durationMs(i),
        error: i % 5 === 0,
      }));
    const search = specs('search', 40, (i) => 10 + i * 10);
    const fetch = specs('fetch', 30, () => 4000);
    const write = specs('write', 20, () => 50);
    const files = {
      proto: join(dir, 'search.pb'),
      json: join(dir, 'fetch.json'),
      lines: join(dir, 'write.jsonl'),
    };
    writeFileSync(files.proto, otlpProtobuf(recordToolCallSpans(search)));
    writeFileSync(files.json, otlpJson(recordToolCallSpans(fetch)));
    const lines = [write.slice(0, 8), write.slice(8)].map((part) =>
      Buffer.from(otlpJson(recordToolCallSpans(part))).toString(),
    );
    writeFileSync(files.lines, `${lines.join('\n')}\n`);

    const replayed = [
      await budgetwatch(['replay', files.proto, '--topic', spanTopic], kafkaEnv),
      await budgetwatch(
        ['replay', files.json, '--topic', spanTopic, '--max-spans-per-record', '7'],
        kafkaEnv,
      ),
      await budgetwatch(['replay', files.lines, '--topic', spanTopic], kafkaEnv),
    ];
    expect(replayed.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(replayed[0]?.output).toContain('replayed 40 spans');
    expect(replayed[1]?.output).toContain('replayed 30 spans');
    expect(replayed[1]?.output).toContain('as 5 records');
    expect(replayed[2]?.output).toContain('replayed 20 spans');

    const worker = await workers.start({ spanTopic, deadLetterTopic });
    await waitFor(() => worker.metrics.callsApplied === 90, {
      description: '90 calls counted',
      timeoutMs: 60_000,
    });

    const redisEnv = { REDIS_URL: inject('testBed').redisUrl, REDIS_KEY_PREFIX: namespace.prefix };
    const shown = await budgetwatch(['window', '--server', 'docs', '--window', '2h', '--json'], redisEnv);
    expect(shown.code).toBe(0);
    const server = JSON.parse(shown.output) as {
      rollup: { calls: number; errors: number; successRate: number };
      tools: {
        tool: string;
        summary: { calls: number; errors: number; slowFraction: Record<string, number>; p95: number };
      }[];
    };
    expect(server.rollup).toMatchObject({ calls: 90, errors: 18, successRate: 72 / 90 });
    const byTool = Object.fromEntries(server.tools.map((t) => [t.tool, t.summary]));
    expect(Object.keys(byTool)).toEqual(['fetch', 'search', 'write']);
    expect(byTool.fetch).toMatchObject({ calls: 30, errors: 6, slowFraction: { '3000': 1 } });
    expect(byTool.write).toMatchObject({ calls: 20, errors: 4, slowFraction: { '3000': 0 } });
    // search latencies are 10..400 ms: exact p95 (lower nearest rank) is 380 ms; the sketch is within 1%.
    expect(Math.abs((byTool.search?.p95 ?? 0) - 380)).toBeLessThanOrEqual(3.8);

    const table = await budgetwatch(
      ['window', '--server', 'docs', '--tool', 'fetch', '--window', '30m'],
      redisEnv,
    );
    expect(table.code).toBe(0);
    expect(table.output).toMatch(/fetch\s+30\s+80\.00%/);
  });

  it.each([
    [
      ['replay', '/nonexistent/file.json'],
      { KAFKA_BROKERS: '127.0.0.1:1' },
      'cannot read /nonexistent/file.json',
    ],
    [['replay', 'LINES'], { KAFKA_BROKERS: '127.0.0.1:1' }, 'line 2: not valid JSON'],
    [['replay', 'LINES'], {}, 'needs Kafka (set KAFKA_BROKERS)'],
    [
      ['window', '--server', 'docs', '--window', '25h'],
      { REDIS_URL: 'redis://127.0.0.1:1' },
      'outside 1s..24h',
    ],
  ])('%j fails with exit code 2 and says why', async (args, env, message) => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"resourceSpans": []}\n{"resourceSpans": [\n');
    const result = await budgetwatch(
      args.map((arg) => (arg === 'LINES' ? bad : arg)),
      env as Record<string, string>,
    );
    expect(result.code).toBe(2);
    expect(result.output).toContain(message);
  });
});
