import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './create-logger.js';

function capture(): { stream: PassThrough; lines: () => Record<string, unknown>[] } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes one JSON object per line with name, level label and ISO time', () => {
    const out = capture();
    const logger = createLogger({ name: 'ingest-worker', destination: out.stream });
    logger.info({ partition: 2 }, 'batch done');
    const [line] = out.lines();
    expect(line).toMatchObject({ name: 'ingest-worker', level: 'info', partition: 2, msg: 'batch done' });
    expect(String(line?.time)).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('censors secrets wherever they sit in a logged object', () => {
    const out = capture();
    const logger = createLogger({ name: 't', destination: out.stream });
    logger.info({
      config: {
        kafka: { sasl: { mechanism: 'plain', username: 'u', password: 'p1' } },
        redis: { password: 'p2' },
      },
      headers: { authorization: 'Bearer p3' },
    });
    const text = JSON.stringify(out.lines());
    for (const secret of ['p1', 'p2', 'p3']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });

  it('respects the level', () => {
    const out = capture();
    const logger = createLogger({ name: 't', level: 'warn', destination: out.stream });
    logger.info('hidden');
    logger.warn('shown');
    expect(out.lines().map((l) => l.msg)).toEqual(['shown']);
  });
});
