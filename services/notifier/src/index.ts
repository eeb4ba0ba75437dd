export { Dispatcher, type DispatcherOptions, type NotifierMetrics } from './dispatcher.js';
export { EventIntake } from './event-intake.js';
export { InProcessNotifier, type InProcessNotifierOptions } from './in-process-notifier.js';
export { InMemoryNotifierStore } from './memory/in-memory-notifier-store.js';
export { InMemorySilenceStore } from './memory/in-memory-silence-store.js';
export { Notifier, type NotifierOptions } from './notifier.js';
export type { LogEntry, NotifierStore, PendingEvent } from './notifier-store.js';
export { RedisNotifierStore } from './redis/redis-notifier-store.js';
export { RedisSilenceStore } from './redis/redis-silence-store.js';
export { type NewSilence, SilenceError, SilenceStore } from './silence-store.js';
export { DeliveryError, type DeliveryFailure } from './sinks/delivery-error.js';
export { type EmailSender, EmailSink, type EmailSinkOptions } from './sinks/email-sink.js';
export {
  type SlackMessageRef,
  type SlackPoster,
  SlackSink,
  type SlackSinkOptions,
} from './sinks/slack-sink.js';
export {
  type SlackAction,
  type SlackActionOutcome,
  SlackActions,
  type SlackActionsOptions,
} from './slack-actions.js';
