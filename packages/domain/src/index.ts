export {
  OTHER_TOOL,
  OVERFLOW_SERVER,
  RESERVED_SERIES_NAMES,
} from './cardinality/overflow-names.js';
export {
  AdmissionLedger,
  type AdmissionVerdict,
  type AdmissionView,
  admittedCall,
  type CardinalityLimits,
  cardinalityLimits,
  decideAdmission,
  IN_MEMORY_CARDINALITY_LIMITS,
  type OverflowCap,
  REDIS_CARDINALITY_LIMITS,
} from './cardinality/series-admission.js';
export { budgetConsumed, budgetUsed } from './crs/budget-consumption.js';
export {
  type CrsBreakdown,
  type CrsFactor,
  type CrsInput,
  type CrsReason,
  controlPlaneRisk,
  type LiveBudgets,
} from './crs/control-plane-risk.js';
export { advanceCrsGate, CRS_GATE_RULE } from './crs/crs-gate.js';
export { type CrsScoring, DEFAULT_CRS_SCORING } from './crs/crs-scoring.js';
export { liveBudgets } from './crs/live-budgets.js';
export {
  displayText,
  isShownEscaped,
  MIN_DISPLAY_LENGTH,
  NAME_DISPLAY_LENGTH,
} from './display/display-text.js';
export { DISPLAY_TEXT_MODULE_URL } from './display/display-text-module.js';
export {
  DRILL_SCENARIOS,
  type DrillCall,
  type DrillScenario,
  type DrillScenarioName,
  isDrillScenario,
} from './drills/drill-scenarios.js';
export { withDrillPasses } from './inventory/drill-overlay.js';
export {
  type AuthMode,
  type DataSensitivity,
  EMPTY_INVENTORY,
  type Inventory,
  type InventoryServer,
  isNonTrivial,
  type WriteCapability,
} from './inventory/inventory.js';
export {
  type Finding,
  type FindingOptions,
  type FindingRule,
  type FindingSeverity,
  inventoryFindings,
  killSwitchAgeDays,
  serverFindings,
} from './inventory/inventory-findings.js';
export { inventoryResolver } from './inventory/inventory-resolver.js';
export {
  BUILT_IN_PROFILE_NAMES,
  BUILT_IN_PROFILES,
} from './recognition/built-in-profiles.js';
export {
  DEFAULT_OUTCOME_RULES,
  type OutcomeRules,
  type Perspective,
  type ProfileMatch,
  type RecognitionProfile,
  type ServerIdSource,
  SPAN_KINDS,
  type SpanKindName,
  type ToolNameSource,
} from './recognition/recognition-profile.js';
export {
  activeProfiles,
  type CompiledProfile,
  compileProfile,
  compileRecognizer,
  DEFAULT_RECOGNITION_SETTINGS,
  type RecognisableSpan,
  type RecognitionSettings,
  type RecognitionSettingsProblem,
  type Recognizer,
  recognitionSettingsProblems,
} from './recognition/recognizer.js';
export {
  type LookAlikeExample,
  LookAlikeExamples,
  MAX_HINT_KEYS,
  MAX_LOOK_ALIKE_EXAMPLES,
  type ToolCallHint,
  toolCallHint,
} from './recognition/tool-call-hints.js';
export {
  type ApplicableRule,
  applicableChecks,
  applicableRules,
  type BudgetRule,
  type BurnRateRule,
  type CheckTarget,
  measureRule,
  type RuleCheck,
  type WindowAccessor,
} from './rules/applicable-checks.js';
export {
  advanceRuleState,
  evaluateRule,
  INITIAL_RULE_STATE,
  initialRuleState,
  type RuleEvaluation,
  type RuleState,
  type RuleStatus,
  sameRuleState,
  storedRuleState,
  type Transition,
} from './rules/evaluate-rule.js';
export {
  compareRatio,
  complement,
  decimalFraction,
  type Fraction,
} from './rules/exact-ratio.js';
export { DEFAULT_POLICY, PLAYBOOK_RULES } from './rules/playbook-rules.js';
export { OPERATOR_RULE, RESERVED_RULE_IDS, UNREGISTERED_RULE } from './rules/reserved-rule-ids.js';
export {
  type BurnRateWarning,
  type Comparator,
  limitsFor,
  type Policy,
  type Rule,
  type RuleAction,
  type RuleLimits,
  type RuleMetric,
  type RuleScope,
  type Tier,
} from './rules/rule.js';
export { ACTION_EVENTS } from './rules/rule-actions.js';
export {
  type HistoryBucket,
  historySpanMs,
  type RingContents,
  type RuleHistory,
  ruleHistories,
} from './rules/rule-history.js';
export { type Measurement, MissingLatencyThresholdError, measure } from './rules/rule-measurement.js';
export {
  COVERAGE_BUCKET_MS,
  COVERAGE_HORIZON_MS,
  COVERAGE_LIMITS,
  type CoverageLimits,
  OTHER_SOURCES,
  UNNAMED_SOURCE,
} from './telemetry-coverage/coverage-limits.js';
export {
  type CoverageCounts,
  type CoverageReport,
  coverageHours,
  coverageReport,
  type ServerCoverage,
  type SourceCoverage,
} from './telemetry-coverage/coverage-report.js';
export {
  CoverageAdmission,
  type CoverageBatch,
  CoverageTally,
  hourOf,
} from './telemetry-coverage/coverage-tally.js';
export {
  type AttributeBag,
  type AttributeMatcher,
  type CompiledMatcher,
  compileMatcher,
  type MatchableValue,
  matches,
  matchesAny,
} from './tool-calls/attribute-matcher.js';
export { boundedSeriesName, MAX_SERIES_NAME_LENGTH } from './tool-calls/bounded-name.js';
export {
  type Extraction,
  type ExtractionContext,
  extractToolCall,
  type NotCountedReason,
  type SpanInput,
} from './tool-calls/extract-tool-call.js';
export { extractToolCalls } from './tool-calls/extract-tool-calls.js';
export {
  type InventoryResolver,
  isUnattributed,
  NO_INVENTORY,
  UNATTRIBUTED_SERVER,
} from './tool-calls/server-identity.js';
export {
  DEFAULT_MAX_LATENCY_MS,
  type InvalidSpanReason,
  MAX_FUTURE_SKEW_MS,
  type SpanPlausibility,
  validateSpan,
} from './tool-calls/span-validation.js';
export type { CallOutcome, ToolCall } from './tool-calls/tool-call.js';
export {
  addCall,
  type BucketCounters,
  emptyCounters,
  mergeCounters,
  subtractCounters,
} from './windows/bucket-counters.js';
export {
  addToSketch,
  binValue,
  decodeSketch,
  encodeSketch,
  mergeSketch,
  RELATIVE_ACCURACY,
  type SketchBins,
  sketchBin,
  sketchQuantile,
  ZERO_BIN,
} from './windows/latency-sketch.js';
export {
  type BatchCopies,
  type ContentToClaim,
  copiesInBatch,
  DEFAULT_DEDUPE_WINDOW_MS,
  recordContentKey,
} from './windows/record-copies.js';
export {
  bucketIndex,
  COARSE,
  FINE,
  isWithinRing,
  MAX_WINDOW_MS,
  RESOLUTIONS,
  type Resolution,
  resolutionFor,
  slotOf,
  windowBucketRange,
} from './windows/resolution.js';
export { parseSeriesId, rollupOf, type SeriesRef, scopeOf, seriesId } from './windows/series.js';
export {
  aggregateSeries,
  groupCallsBySeries,
  type PositionedCall,
  type SeriesCalls,
  type SeriesDelta,
} from './windows/series-delta.js';
export {
  DRILL_SERIES_LIFETIME_MS,
  SERIES_EXPIRY_MARGIN_MS,
  SERIES_LIFETIME_MS,
  seriesLifetimeMs,
} from './windows/series-lifetime.js';
export { formatWindowDuration, parseDuration, parseWindowDuration } from './windows/window-duration.js';
export { summarizeWindow, type WindowSummary } from './windows/window-summary.js';
