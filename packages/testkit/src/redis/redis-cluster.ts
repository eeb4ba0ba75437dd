import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freeLoopbackPort } from '../free-port.js';
import { runProcess } from '../run-process.js';
import { WaitAbortedError, waitFor } from '../wait-for.js';
import { answersPing } from './ensure-redis.js';

export interface RedisClusterOptions {
  /** Masters, each with its share of the 16,384 slots; Redis needs at least three. */
  masters?: number;
}

export interface LocalRedisCluster {
  /** The client port of each master. */
  ports: number[];
  /** redis://127.0.0.1:<first port>: the seed node a cluster client starts from. */
  url: string;
  /** Stops every node and deletes their data. */
  stop(): Promise<void>;
}

/**
 * A Redis Cluster of the test's own: masters without replicas on free loopback ports, each a
 * child process with its own directory, joined by `redis-cli --cluster create`. Resolves once
 * every node reports cluster_state:ok.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<LocalRedisCluster> {
  const masters = options.masters ?? 3;
  // The bus port is given explicitly: the default (port + 10000) may be taken or past 65535.
  const ports = await distinctFreePorts(2 * masters);
  const nodes: { port: number; busPort: number; dir: string; process: ChildProcess }[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => stopNode(node.process)));
    for (const node of nodes) rmSync(node.dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = ports[2 * i] as number;
      const busPort = ports[2 * i + 1] as number;
      const dir = mkdtempSync(join(tmpdir(), 'budgetwatch-redis-cluster-'));
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--cluster-port',
          String(busPort),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, 'nodes.conf'),
          '--dir',
          dir,
          '--daemonize',
          'no',
          '--save',
          '',
          '--appendonly',
          'no',
        ],
        { stdio: 'ignore' },
      );
      nodes.push({ port, busPort, dir, process: child });
    }
    for (const node of nodes) {
      const url = `redis://127.0.0.1:${node.port}`;
      await waitFor(
        async () => {
          if (node.process.exitCode !== null)
            throw new WaitAbortedError(
              `redis-server on port ${node.port} exited with code ${node.process.exitCode}`,
            );
          return answersPing(url);
        },
        { description: `cluster node on port ${node.port}`, timeoutMs: 15_000, intervalMs: 50 },
      );
    }
    const created = await runProcess('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((node) => `127.0.0.1:${node.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    if (created.code !== 0) {
      throw new Error(`redis-cli --cluster create failed (exit ${created.code}): ${created.output}`);
    }
    for (const node of nodes) {
      await waitFor(async () => /^cluster_state:ok\b/m.test(await clusterInfo(node.port)), {
        description: `cluster_state:ok on port ${node.port}`,
        timeoutMs: 30_000,
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { ports: nodes.map((node) => node.port), url: `redis://127.0.0.1:${nodes[0]?.port}`, stop };
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freeLoopbackPort());
  return [...ports];
}

async function clusterInfo(port: number): Promise<string> {
  const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.cluster('INFO');
  } finally {
    client.disconnect();
  }
}

async function stopNode(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}
