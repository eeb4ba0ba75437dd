import { displayText, formatWindowDuration } from '@budgetwatch/domain';
import type { Alert, NotificationKind, Reading } from '../incident.js';

/**
 * Plain-language pieces of a notification. Everything here is trusted text (rule ids, numbers);
 * server and tool names come from spans and are passed to each renderer's own escaping.
 */

/**
 * Longest inventory value shown (owner, kill-switch owner, fallback mode, blast radius, one
 * recovery checklist step): the full text stays in the inventory, and a message stays bounded.
 */
export const INVENTORY_TEXT_LENGTH = 200;

/** Inventory text as it is shown: display-safe like span text (one line), and bounded. */
export function inventoryText(text: string): string {
  return displayText(text, INVENTORY_TEXT_LENGTH);
}

const METRIC_NAMES: Record<Reading['metric'], string> = {
  success_rate: 'success rate',
  latency_quantile: 'latency',
  unexpected_block_rate: 'unexpected policy blocks',
  fallback_rate: 'fallback activations',
};

const COUNT_NOUNS: Record<Reading['metric'], string> = {
  success_rate: 'served calls succeeded',
  latency_quantile: 'served calls were slower than the threshold',
  unexpected_block_rate: 'calls were blocked unexpectedly',
  fallback_rate: 'calls fell back',
};

export const KIND_TITLES: Record<NotificationKind, string> = {
  opened: 'Budget breached',
  updated: 'Incident update',
  repeat: 'Still firing',
  resolved: 'Resolved',
};

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(2).replace(/\.?0+$/, '')}%`;
}

function quantileName(quantile: number | null): string {
  return `p${Math.round((quantile ?? 0.95) * 100)}`;
}

/** "success rate 90.91% < 97% over 24h (100 of 110 served calls succeeded)". */
export function describeReading(reading: Reading, threshold: 'breach' | 'resolve' = 'breach'): string {
  const limit = threshold === 'breach' ? reading.threshold : reading.resolveThreshold;
  const window = formatWindowDuration(reading.windowMs);
  const counts = `${reading.part.toLocaleString('en-US')} of ${reading.whole.toLocaleString('en-US')} ${COUNT_NOUNS[reading.metric]}`;
  if (reading.metric === 'latency_quantile') {
    const name = quantileName(reading.quantile);
    const value = reading.value === null ? 'n/a' : `${Math.round(reading.value)} ms`;
    return `${name} latency ${value}, threshold ${name} ${reading.comparator} ${limit} ms over ${window} (${counts})`;
  }
  const value = reading.value === null ? 'n/a' : percent(reading.value);
  return `${METRIC_NAMES[reading.metric]} ${value}, threshold ${reading.comparator} ${percent(limit)} over ${window} (${counts})`;
}

/** The reading that matters now: the recovery once resolved, else the breach. */
export function alertSummary(alert: Alert): string {
  if (alert.status === 'resolved' && alert.recovery !== null) {
    return `recovered: ${describeReading(alert.recovery, 'resolve')}`;
  }
  if (alert.breach !== null) return describeReading(alert.breach);
  return 'breach not seen by the notifier';
}

export function actionsSummary(alert: Alert): string | null {
  return alert.actions.length === 0 ? null : `actions: ${alert.actions.join(', ')}`;
}

/** Alerts to show: the ones this notification reports, then the rest still firing. */
export function alertsToShow(
  alerts: readonly Alert[],
  reported: readonly string[],
  kind: NotificationKind,
): Alert[] {
  if (kind === 'repeat') return alerts.filter((alert) => alert.status === 'firing');
  if (kind === 'resolved' || kind === 'opened') return [...alerts];
  const keys = new Set(reported);
  return alerts.filter((alert) => keys.has(alert.key));
}
