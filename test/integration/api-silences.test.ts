import { HttpApi, silenceRoutes } from '@budgetwatch/api';
import { createLogger } from '@budgetwatch/logger';
import { RedisSilenceStore } from '@budgetwatch/notifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useRedisNamespace } from '../support/redis.js';

const namespace = await useRedisNamespace('api-silences');
const TOKEN = 'test-token-0123456789';

describe('HTTP API: silences', () => {
  const silences = new RedisSilenceStore(namespace.client, namespace.prefix);
  const api = new HttpApi({
    routes: silenceRoutes(silences),
    tokens: { read: null, write: TOKEN, ingest: null },
    logger: createLogger({ name: 'test-api', level: 'silent' }),
  });
  let base = '';
  beforeAll(async () => {
    base = `http://127.0.0.1:${await api.listen(0, '127.0.0.1')}/api/v1/silences`;
  });
  afterAll(() => api.close());

  const call = async (method: string, url: string, body?: unknown, token: string | null = TOKEN) => {
    const response = await fetch(url, {
      method,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const silence = {
    matchers: { server: 'payments-mcp', tier: 2 },
    endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    createdBy: 'alice',
    comment: 'provider maintenance',
  };

  it('creates with the bearer token, lists, and expires', async () => {
    const created = await call('POST', base, silence);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ matchers: { server: 'payments-mcp', tier: 2 }, createdBy: 'alice' });
    const id = created.body.id as string;

    const listed = await call('GET', base, undefined, null);
    expect(listed.status).toBe(200);
    expect(listed.body.silences).toEqual([expect.objectContaining({ id, state: 'active' })]);

    const expired = await call('DELETE', `${base}/${id}`);
    expect(expired.status).toBe(200);
    const after = await call('GET', base, undefined, null);
    expect(after.body.silences).toEqual([expect.objectContaining({ id, state: 'expired' })]);
  });

  it.each([
    ['POST without a token', 'POST', silence, null, 401],
    ['POST with a wrong token', 'POST', silence, 'wrong-token-0123456789', 401],
    ['DELETE without a token', 'DELETE', undefined, null, 401],
    ['a silence without matchers', 'POST', { ...silence, matchers: {} }, TOKEN, 400],
    ['a silence that already ended', 'POST', { ...silence, endsAt: '2020-01-01T00:00:00Z' }, TOKEN, 400],
    ['an unknown field', 'POST', { ...silence, extra: true }, TOKEN, 400],
  ])('refuses %s', async (_label, method, body, token, status) => {
    const url = method === 'DELETE' ? `${base}/sil-nope` : base;
    const response = await call(method, url, body, token);
    expect(response.status).toBe(status);
    expect(typeof response.body.error).toBe('string');
  });

  it('answers 404 for an unknown silence and route, 405 for a wrong method', async () => {
    expect((await call('DELETE', `${base}/sil-nope`)).status).toBe(404);
    expect((await call('GET', `${base}/../nothing`, undefined, null)).status).toBe(404);
    expect((await call('PUT', base)).status).toBe(405);
  });
});
