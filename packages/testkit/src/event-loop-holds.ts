import { performance } from 'node:perf_hooks';

export interface EventLoopHolds<T> {
  result: T;
  tookMs: number;
  /**
   * For each turn of the event loop between two ticks of a 1 ms timer, the CPU time (ms) this
   * thread spent in it: how long the turn held the loop by its own work. Work that never yields
   * shows as one hold as long as itself; work done in turns, as many short ones. CPU time, not
   * wall time, so that a loaded machine (this process waiting for a core) does not lengthen it.
   */
  holdsMs: number[];
  /** The same turns in wall time. */
  wallHoldsMs: number[];
}

const cpuMs = () => {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
};

/** Runs `work` while a 1 ms timer ticks, and returns how long each turn held the event loop. */
export async function eventLoopHolds<T>(work: () => Promise<T>): Promise<EventLoopHolds<T>> {
  const holdsMs: number[] = [];
  const wallHoldsMs: number[] = [];
  let lastCpu = cpuMs();
  let lastWall = performance.now();
  const hold = () => {
    const cpu = cpuMs();
    const wall = performance.now();
    holdsMs.push(cpu - lastCpu);
    wallHoldsMs.push(wall - lastWall);
    lastCpu = cpu;
    lastWall = wall;
  };
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    hold();
    timer = setTimeout(tick, 1);
  };
  timer = setTimeout(tick, 1);
  const started = performance.now();
  try {
    const result = await work();
    return { result, tookMs: performance.now() - started, holdsMs, wallHoldsMs };
  } finally {
    clearTimeout(timer);
    hold();
  }
}

/** The q-quantile (0..1) of `values`, nearest rank. */
export function quantileOf(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

/** What a test asserts of the holds: the CPU time they add up to, their p99 and the longest. */
export function holdsSummary(holdsMs: readonly number[]): { cpuMs: number; p99: number; longest: number } {
  return {
    cpuMs: holdsMs.reduce((sum, hold) => sum + hold, 0),
    p99: quantileOf(holdsMs, 0.99),
    longest: Math.max(...holdsMs),
  };
}
