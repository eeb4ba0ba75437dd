import { Worker } from 'node:worker_threads';

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
 * that waits for each answer would send one request per stall and hide it). The probe runs on a
 * thread of its own, so the test's own work (reading and parsing pages) does not delay it.
 */
const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
const latencies = Object.fromEntries(workerData.map((request) => [request.name, []]));
const pending = new Set();
let sequence = 0;
const timers = workerData.map((request) =>
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
parentPort.once('message', async () => {
  for (const timer of timers) clearInterval(timer);
  await Promise.allSettled([...pending]);
  parentPort.postMessage(latencies);
});
`;

export interface LatencyProbe {
  /** Stops sending, waits for the answers outstanding, and returns every latency. */
  stop(): Promise<ProbeLatencies>;
}

export function startLatencyProbe(requests: readonly ProbedRequest[]): LatencyProbe {
  const worker = new Worker(PROBE, { eval: true, workerData: requests });
  return {
    async stop() {
      const result = new Promise<ProbeLatencies>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      worker.postMessage('stop');
      try {
        return await result;
      } finally {
        await worker.terminate();
      }
    },
  };
}
