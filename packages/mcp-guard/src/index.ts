export { type DecisionFeed, DecisionStore, MAX_SUBJECTS } from './decision-feed.js';
export { type GuardedClient, guardCallTool, guardClient } from './guard-client.js';
export {
  type Block,
  type DecisionInput,
  type DecisionPolicy,
  decideCall,
  type FallbackReason,
  type FeedFreshness,
  type GuardDecision,
  isStale,
} from './guard-decision.js';
export { GUARD_ATTRIBUTES, QUEUE_FULL_REASON } from './guard-telemetry.js';
export { SseDecisionFeed, type SseDecisionFeedOptions } from './sse-decision-feed.js';
export { type SseEvent, SseParser } from './sse-parser.js';
export type { ActiveDecision, DecisionCause, DecisionKind, SubjectDecisions } from './subject-decisions.js';
export {
  blockedText,
  createToolGuard,
  type FallbackFunction,
  type FallbackTool,
  GUARD_DEFAULTS,
  type GuardOptions,
  GuardQueueFullError,
  type InvokeTool,
  type ToolCallParams,
  type ToolCallResult,
  type ToolGuard,
} from './tool-guard.js';
