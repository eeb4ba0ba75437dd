import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';

/** One kind of request the probe sends on a fixed schedule. */
export interface ProbedRequest {
  name: string;
  url: string;
  everyMs: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** `{{n}}` in it becomes the request's number, 16 hex digits: each request is a new one. */
  body?: string;
  /** The status a good answer has (an answer with another one counts as never answered). */
  expectStatus: number;
}

/** Latencies in ms by request name; a failed or wrong answer is Infinity. */
export type ProbeLatencies = Record<string, number[]>;

/**
 * The requests are sent open loop: each on its schedule whether or not the previous one was
 * answered, so a stall of the server shows as every request sent during it being late (a probe
 * that waits for each answer would send one request per stall and hide it).
 */
const PROBE = `
const requests = JSON.parse(process.argv[1]);
const latencies = Object.fromEntries(requests.map((request) => [request.name, []]));
const pending = new Set();
let sequence = 0;
const timers = requests.map((request) =>
  setInterval(() => {
    const body = request.body?.replaceAll('{{n}}', (sequence++).toString(16).padStart(16, '0'));
    const started = performance.now();
    const sent = fetch(request.url, { method: request.method ?? 'GET', headers: request.headers, body })
      .then(async (response) => {
        await response.arrayBuffer();
        latencies[request.name].push(
          response.status === request.expectStatus ? performance.now() - started : Number.POSITIVE_INFINITY,
        );
      })
      .catch(() => latencies[request.name].push(Number.POSITIVE_INFINITY))
      .finally(() => pending.delete(sent));
    pending.add(sent);
  }, request.everyMs),
);
process.stdin.once('data', async () => {
  for (const timer of timers) clearInterval(timer);
  await Promise.allSettled([...pending]);
  process.stdout.write(JSON.stringify(latencies), () => process.exit(0));
});
`;

export interface LatencyProbe {
  /** Stops sending, waits for the answers outstanding, and returns every latency. */
  stop(): Promise<ProbeLatencies>;
}

/**
 * Starts the probe in a process of its own, at a higher scheduling priority where that is allowed:
 * on a loaded machine a probe that waits for a core itself would count its own wait as the
 * server's. The server under test keeps the default priority and competes for cores as before.
 */
export function startLatencyProbe(requests: readonly ProbedRequest[]): LatencyProbe {
  const child = spawn(process.execPath, ['-e', PROBE, JSON.stringify(requests)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  if (child.pid !== undefined) {
    try {
      setPriority(child.pid, -10);
    } catch {
      // Not allowed (not root): the probe runs at the default priority.
    }
  }
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return {
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin?.write('stop\n');
      await exited;
      return JSON.parse(output) as ProbeLatencies;
    },
  };
}
