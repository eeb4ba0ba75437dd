export { Dispatcher, type DispatcherOptions, type NotifierMetrics } from './dispatcher.js';
export { EventIntake } from './event-intake.js';
export { Notifier, type NotifierOptions } from './notifier.js';
export { type LogEntry, type PendingEvent, RedisNotifierStore } from './redis/redis-notifier-store.js';
export { type NewSilence, RedisSilenceStore, SilenceError } from './redis/redis-silence-store.js';
export { EmailSink, type EmailSinkOptions } from './sinks/email-sink.js';
export { type SlackMessageRef, SlackSink, type SlackSinkOptions } from './sinks/slack-sink.js';
