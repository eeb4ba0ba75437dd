import type { Route } from './http-api.js';
import { SharedReads } from './shared-reads.js';

/** One thing the process needs to do its work; `check` says why not, or null when fine. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<string | null>;
}

/** How long one check may take before it counts as failed: a hung dependency is not ready. */
const CHECK_TIMEOUT_MS = 2000;

/**
 * /healthz: the process is up and serving (restart it otherwise). /readyz: every dependency
 * answers (Kafka, Redis, the consumer holds partitions); 503 with the reasons when not, so a load
 * balancer or orchestrator stops sending work until it is back.
 */
export function healthRoutes(checks: readonly ReadinessCheck[]): Route[] {
  // Probes come often and from many places: one round of checks at a time, its answer shared for
  // a second, so a hung dependency never piles checks up.
  const rounds = new SharedReads<Readiness>(SHARED_MS);
  const readiness = () => rounds.get('readiness', () => checkAll(checks));
  return [
    {
      method: 'GET',
      pattern: '/healthz',
      access: 'open',
      handle: async () => ({ status: 200, body: { status: 'ok' } }),
    },
    {
      method: 'GET',
      pattern: '/readyz',
      access: 'open',
      handle: async () => {
        const answer = await readiness();
        return { status: answer.ready ? 200 : 503, body: answer.body };
      },
    },
  ];
}

interface Readiness {
  ready: boolean;
  body: { status: string; checks: Record<string, string> };
}

/** How long one round of checks answers every probe. */
const SHARED_MS = 1000;

async function checkAll(checks: readonly ReadinessCheck[]): Promise<Readiness> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => [name, await withTimeout(check())] as const),
  );
  const ready = results.every(([, problem]) => problem === null);
  return {
    ready,
    body: {
      status: ready ? 'ready' : 'not ready',
      checks: Object.fromEntries(results.map(([name, problem]) => [name, problem ?? 'ok'])),
    },
  };
}

async function withTimeout(check: Promise<string | null>): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${CHECK_TIMEOUT_MS} ms`), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      check.catch((error: unknown) => (error as Error).message ?? String(error)),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
