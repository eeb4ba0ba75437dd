export {
  type Alert,
  type Delivery,
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
export { describeReading } from './render/describe-alert.js';
export { type EmailMessage, emailMessageId, renderEmailMessage } from './render/email-message.js';
export { SLACK_BUDGETS, SLACK_LIMITS, slackLimitProblems } from './render/slack-limits.js';
export {
  renderSlackMessage,
  type SlackBlock,
  type SlackMessage,
  slackLiteral,
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
