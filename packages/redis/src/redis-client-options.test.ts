import { loadConfig } from '@budgetwatch/config';
import { describe, expect, it } from 'vitest';
import { redisClientOptions, redisClusterSettings } from './redis-client-options.js';

const pem = (path: string) => `PEM(${path})`;

function redisConfigFrom(env: Record<string, string>) {
  const redis = loadConfig({ env }).config.redis;
  if (redis === undefined) throw new Error('expected redis config');
  return redis;
}

describe('redisClientOptions', () => {
  it('plain connection carries no credentials and no TLS', () => {
    const options = redisClientOptions(redisConfigFrom({ REDIS_URL: 'redis://r:6379' }), 'ingest', pem);
    expect(options).toMatchObject({ connectionName: 'ingest', lazyConnect: true });
    expect(options.tls).toBeUndefined();
    expect(options.password).toBeUndefined();
  });

  it('auth and TLS with a CA file', () => {
    const options = redisClientOptions(
      redisConfigFrom({
        REDIS_URL: 'redis://r:6380',
        REDIS_USERNAME: 'bw',
        REDIS_PASSWORD: 'pw',
        REDIS_TLS: 'true',
        REDIS_TLS_CA_FILE: '/ca.pem',
      }),
      'evaluator',
      pem,
    );
    expect(options).toMatchObject({ username: 'bw', password: 'pw', tls: { ca: ['PEM(/ca.pem)'] } });
  });

  it('a rediss:// URL turns TLS on without further settings', () => {
    const options = redisClientOptions(redisConfigFrom({ REDIS_URL: 'rediss://r:6380' }), 'x', pem);
    expect(options.tls).toEqual({ rejectUnauthorized: true });
  });
});

describe('redisClusterSettings', () => {
  const clusterConfig = (env: Record<string, string>) => redisConfigFrom({ REDIS_CLUSTER: 'true', ...env });

  it('seeds the cluster with the URL node and gives every node the same options', () => {
    const { startupNodes, options } = redisClusterSettings(
      clusterConfig({ REDIS_URL: 'redis://seed.internal:7000', REDIS_PASSWORD: 'pw' }),
      'ingest',
      pem,
    );
    expect(startupNodes).toEqual([{ host: 'seed.internal', port: 7000 }]);
    expect(options).toMatchObject({ lazyConnect: true, enableAutoPipelining: false });
    expect(options.redisOptions).toMatchObject({
      connectionName: 'ingest',
      password: 'pw',
      maxRetriesPerRequest: 3,
    });
    expect(options.redisOptions).not.toHaveProperty('lazyConnect');
  });

  it('credentials in the URL reach the discovered nodes too; rediss:// turns TLS on for all', () => {
    const { startupNodes, options } = redisClusterSettings(
      clusterConfig({ REDIS_URL: 'rediss://ops:p%40ss@[::1]', REDIS_PASSWORD: 'other' }),
      'x',
      pem,
    );
    expect(startupNodes).toEqual([{ host: '::1', port: 6379 }]);
    expect(options.redisOptions).toMatchObject({
      username: 'ops',
      password: 'p@ss',
      tls: { rejectUnauthorized: true },
    });
  });
});
