import { MAX_LOOK_ALIKE_EXAMPLES } from '../recognition/tool-call-hints.js';

/**
 * How much the coverage report tracks: span text chooses the names, so each dimension is a
 * bounded map whose overflow goes to one row (docs/operations.md#telemetry-coverage).
 */
export interface CoverageLimits {
  /** Sources (resource service.name) per hour and writer; beyond: `(other sources)`. */
  sources: number;
  /** Servers per hour and writer; beyond: `(other servers)`. */
  servers: number;
  /** Tools of unattributed calls per hour and writer; beyond: `(other)`. */
  unattributedTools: number;
  /** Distinct look-alike examples kept. */
  examples: number;
}

export const COVERAGE_LIMITS: CoverageLimits = {
  sources: 100,
  servers: 200,
  unattributedTools: 100,
  examples: MAX_LOOK_ALIKE_EXAMPLES,
};

/** Where the spans of sources beyond the limit count. */
export const OTHER_SOURCES = '(other sources)';
/** The source of spans whose resource has no service.name. */
export const UNNAMED_SOURCE = '(no service.name)';
/** Coverage is kept in hourly buckets for the last day. */
export const COVERAGE_BUCKET_MS = 3_600_000;
export const COVERAGE_HORIZON_MS = 24 * COVERAGE_BUCKET_MS;
