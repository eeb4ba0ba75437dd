import type { BudgetwatchConfig } from '@budgetwatch/config';
import type { Inventory } from '@budgetwatch/domain';
import { responderContextOf, UNREGISTERED } from '@budgetwatch/events';
import type { Logger } from '@budgetwatch/logger';
import { type DispatcherOptions, EmailSink, SlackSink } from '@budgetwatch/notifier';

/** The dispatcher settings of the configuration, without its stores (they depend on the mode). */
export type DispatcherSettings = Omit<DispatcherOptions, 'store' | 'silences'>;

/**
 * The Slack and email sinks and the planner settings the configuration asks for; null when neither
 * Slack nor email is configured (nothing to notify through). `inventory` (as it is now) routes the
 * CRS gate's notices to the server's owner: those events carry no owner of their own.
 */
export function dispatcherSettings(
  config: BudgetwatchConfig,
  logger: Logger,
  inventory: () => Inventory,
): DispatcherSettings | null {
  const settings = config.notifier;
  if (settings.slack === undefined && settings.email === undefined) return null;
  return {
    slack:
      settings.slack === undefined
        ? null
        : new SlackSink({ token: settings.slack.token, apiUrl: settings.slack.apiUrl, logger }),
    email:
      settings.email === undefined
        ? null
        : new EmailSink({ smtpUrl: settings.email.smtpUrl, from: settings.email.from }),
    planner: {
      repeatIntervalMs: settings.repeatIntervalMs,
      routing: settings.routes,
      responderOf: (server) => {
        const entry = inventory().servers.find((candidate) => candidate.id === server);
        return entry === undefined ? UNREGISTERED : responderContextOf(entry);
      },
    },
    groupWaitMs: settings.groupWaitMs,
    dashboardUrl: settings.dashboardUrl ?? null,
    messageIdDomain: settings.email?.messageIdDomain ?? 'budgetwatch.local',
    logger,
  };
}
