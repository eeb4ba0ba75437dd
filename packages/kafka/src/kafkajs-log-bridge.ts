import type { Logger } from '@budgetwatch/logger';
import { type logCreator, logLevel } from 'kafkajs';

/** kafkajs logs through the service's pino logger, as JSON with the same fields and redaction. */
export function kafkajsLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
      const child = { component: 'kafkajs', namespace, ...fields };
      switch (level) {
        case logLevel.ERROR:
          logger.error(child, message);
          break;
        case logLevel.WARN:
          logger.warn(child, message);
          break;
        case logLevel.INFO:
          logger.info(child, message);
          break;
        default:
          logger.debug(child, message);
      }
    };
}

/** kafkajs filters before calling the log creator, so map pino's level down to save the work. */
export function kafkajsLogLevel(logger: Logger): logLevel {
  switch (logger.level) {
    case 'debug':
    case 'trace':
      return logLevel.DEBUG;
    case 'info':
      return logLevel.INFO;
    case 'warn':
      return logLevel.WARN;
    case 'silent':
      return logLevel.NOTHING;
    default:
      return logLevel.ERROR;
  }
}
