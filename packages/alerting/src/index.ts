export {
  type Alert,
  type Delivery,
  type DeliveryChannel,
  type DeliveryProgress,
  firingAlerts,
  type Incident,
  type NotificationKind,
  type PlannedNotification,
  type Reading,
  type Route,
} from './incident.js';
export {
  type DispatchInput,
  type DispatchPlan,
  type MutedNotification,
  type PlannerOptions,
  planDispatch,
} from './incident-planner.js';
export {
  isNoticeEvent,
  type Notice,
  type NoticeEvent,
  type NoticePlan,
  type NoticePlanOptions,
  type PlannedNotice,
  planNotices,
} from './notice.js';
export { describeReading, KIND_TITLES } from './render/describe-alert.js';
export { type EmailMessage, emailMessageId, renderEmailMessage } from './render/email-message.js';
export { type FallbackSubject, plainTextFallback } from './render/fallback-message.js';
export { noticeTitle, renderNoticeEmailMessage, renderNoticeSlackMessage } from './render/notice-message.js';
export { SLACK_BUDGETS, SLACK_LIMITS, slackLimitProblems } from './render/slack-limits.js';
export {
  renderSlackMessage,
  type SlackBlock,
  type SlackButton,
  type SlackMessage,
  slackLiteral,
  slackText,
} from './render/slack-message.js';
export { type RouteTarget, type RoutingConfig, routeFor } from './routing.js';
export {
  isSilenceActive,
  mutingSilence,
  type Silence,
  type SilenceMatchers,
  type SilenceTarget,
  silenceMatches,
  silenceProblems,
} from './silence.js';
export {
  acknowledgementLogId,
  decodeIncidentReference,
  encodeIncidentReference,
  type IncidentReference,
  SLACK_ACTIONS,
  SLACK_SILENCE_DURATIONS_MS,
  slackActor,
} from './slack-actions.js';
