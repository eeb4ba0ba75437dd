/** What an evaluator has done since it started; its parts count into one shared record. */
export interface EvaluatorMetrics {
  evaluations: number;
  transitions: number;
  conflicts: number;
  eventsPublished: number;
  publishFailures: number;
  sweeps: number;
  lastSweepMs: number;
  lastSweepSeries: number;
}

export function emptyEvaluatorMetrics(): EvaluatorMetrics {
  return {
    evaluations: 0,
    transitions: 0,
    conflicts: 0,
    eventsPublished: 0,
    publishFailures: 0,
    sweeps: 0,
    lastSweepMs: 0,
    lastSweepSeries: 0,
  };
}
