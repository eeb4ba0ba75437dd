import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface CreateLoggerOptions {
  /** Component name, e.g. `ingest-worker`; becomes the `name` field of every line. */
  name: string;
  level?: LogLevel;
  /** Where lines go; defaults to stdout. Tests pass a stream to read what was logged. */
  destination?: NodeJS.WritableStream;
}

/**
 * Keys that may carry secrets anywhere in a logged object. Redacting by key (not by value) keeps a
 * mistaken `logger.info({ config })` from leaking credentials.
 */
export const REDACTED_PATHS: readonly string[] = [
  'password',
  '*.password',
  '*.*.password',
  '*.*.*.password',
  'sasl',
  '*.sasl',
  '*.*.sasl',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  'token',
  '*.token',
  '*.*.token',
  'apiToken',
  '*.apiToken',
  '*.*.apiToken',
  'intakeToken',
  '*.intakeToken',
  '*.*.intakeToken',
];

/** One JSON line per event on stdout, with secrets censored. */
export function createLogger(options: CreateLoggerOptions): Logger {
  const settings: LoggerOptions = {
    name: options.name,
    level: options.level ?? 'info',
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return options.destination === undefined
    ? pino(settings)
    : pino(settings, options.destination as pino.DestinationStream);
}
