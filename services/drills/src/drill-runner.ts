import { randomUUID } from 'node:crypto';
import {
  DRILL_SCENARIOS,
  DRILL_SERIES_LIFETIME_MS,
  type DrillScenarioName,
  formatWindowDuration,
} from '@budgetwatch/domain';
import { parseBudgetwatchEvent } from '@budgetwatch/events';
import { createProducer } from '@budgetwatch/kafka';
import type { DecisionFeed } from '@budgetwatch/mcp-guard';
import type { RedisNotifierStore } from '@budgetwatch/notifier';
import type { Consumer, Kafka } from 'kafkajs';
import { sendDrillSpans } from './drill-spans.js';
import { startGuardedProbe } from './guarded-probe.js';
import {
  drillKillSwitch,
  ENGAGED_CHECK,
  type KillSwitchControl,
  type KillSwitchOutcome,
} from './kill-switch-drill.js';
import type { RedisDrillResults } from './redis-drill-results.js';

export interface DrillRunnerOptions {
  kafka: Kafka;
  topics: { spans: string; events: string; deadLetter: string };
  /** The notification log, to see notifications go out. */
  notifications: RedisNotifierStore;
  results: RedisDrillResults;
  /** How long to wait for the events, notifications and dead letters; see `checkDrillTimeout`. */
  timeoutMs: number;
  /** Wait for the notifications too (off where no notifier runs). */
  requireNotification: boolean;
  /** Called about once a second while waiting, with what is still awaited. */
  progress?: (status: string) => void;
  /**
   * Rehearse the kill switch too, once the breach is detected (scenarios answered with it only):
   * engaged through `control`, verified by a guard following `openFeed(server)`, always released.
   */
  killSwitch?: { control: KillSwitchControl; openFeed: (server: string) => DecisionFeed; boundMs?: number };
  /** Aborted (SIGINT): stop waiting; an engaged kill switch is released all the same. */
  signal?: AbortSignal;
}

export interface DrillCheck {
  name: string;
  passed: boolean;
  /** What was seen, or why it failed. */
  detail: string;
  detectMs: number | null;
  notifyMs: number | null;
}

export interface DrillReport {
  scenario: DrillScenarioName;
  server: string;
  runId: string;
  /** The drill's own tool series: a new one per run, so every run can breach afresh. */
  tool: string;
  passed: boolean;
  checks: DrillCheck[];
  /** When the pass was recorded as the kill switch's test (null when it failed). */
  recordedTestAt: string | null;
  /** The kill switch's rehearsal (`--kill-switch`); null when not asked for. */
  killSwitch: KillSwitchSummary | null;
}

export interface KillSwitchSummary {
  verified: boolean;
  engagedEventId: string | null;
  releasedEventId: string | null;
  /** From sending the engage to a guarded call blocked by it. */
  enforceMs: number | null;
  /** From sending the release to a guarded call let through again. */
  releaseMs: number | null;
}

interface Expectation {
  rule: string;
  eventId: string | null;
  detectedAt: number | null;
  notifiedAt: number | null;
  channels: string[];
}

/**
 * Runs one drill against the live pipeline: sends drill-marked calls (and malformed records) for a
 * server, waits for the breach events of the scenario's rules, their notifications and the dead
 * letters, and reports each with its time to detect and to notify. A passed drill is recorded as
 * the server's kill-switch test.
 */
export class DrillRunner {
  constructor(private readonly options: DrillRunnerOptions) {
    checkDrillTimeout(options.timeoutMs);
  }

  async run(scenarioName: DrillScenarioName, server: string): Promise<DrillReport> {
    const scenario = DRILL_SCENARIOS[scenarioName];
    const { killSwitch, signal } = this.options;
    if (killSwitch !== undefined && !scenario.answeredWithKillSwitch) {
      throw new RangeError(`the ${scenario.name} drill does not rehearse the kill switch`);
    }
    const runId = randomUUID().slice(0, 8);
    const tool = drillTool(scenario.name, runId);
    const recordKey = `budgetwatch-drill-${runId}`;
    const expectations: Expectation[] = scenario.expectedRules.map((rule) => ({
      rule,
      eventId: null,
      detectedAt: null,
      notifiedAt: null,
      channels: [],
    }));
    let deadLettered = 0;
    const consumers: Consumer[] = [];
    let feed: DecisionFeed | undefined;
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      // Opened now, so it has synced by the time the breach is detected.
      feed = killSwitch?.openFeed(server);
      consumers.push(
        await this.watch(`budgetwatch-drill-${runId}`, this.options.topics.events, (value) => {
          const parsed = parseBudgetwatchEvent(value);
          if (!('event' in parsed)) return;
          const { event } = parsed;
          if (
            event.type !== 'budgetwatch.budget.breached' ||
            event.data.server !== server ||
            event.data.tool !== tool
          )
            return;
          const expectation = expectations.find((candidate) => candidate.rule === event.data.rule);
          if (expectation !== undefined && expectation.eventId === null) {
            expectation.eventId = event.id;
            expectation.detectedAt = Date.now();
          }
        }),
      );
      if (scenario.malformedRecords > 0) {
        consumers.push(
          await this.watch(
            `budgetwatch-drill-dlq-${runId}`,
            this.options.topics.deadLetter,
            (_value, key) => {
              if (key === recordKey) deadLettered += 1;
            },
          ),
        );
      }

      const sentAt = Date.now();
      await sendDrillSpans(this.options.kafka, this.options.topics.spans, scenario, { server, tool }, sentAt);
      if (scenario.malformedRecords > 0) await this.sendMalformed(recordKey, scenario.malformedRecords);

      const done = () =>
        expectations.every(
          (e) => e.detectedAt !== null && (!this.options.requireNotification || e.notifiedAt !== null),
        ) && deadLettered >= scenario.malformedRecords;
      const deadline = sentAt + this.options.timeoutMs;
      let lastProgress = 0;
      while (!done() && Date.now() < deadline && signal?.aborted !== true) {
        await this.checkNotifications(expectations);
        if (Date.now() - lastProgress >= 1000) {
          lastProgress = Date.now();
          this.options.progress?.(
            progressLine(
              expectations,
              deadLettered,
              scenario.malformedRecords,
              sentAt,
              this.options.requireNotification,
            ),
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await this.checkNotifications(expectations);

      const seconds = Math.round(this.options.timeoutMs / 1000);
      const checks: DrillCheck[] = expectations.map((e) => {
        const detectMs = e.detectedAt === null ? null : e.detectedAt - sentAt;
        const notifyMs = e.notifiedAt === null ? null : e.notifiedAt - sentAt;
        if (detectMs === null) {
          return {
            name: `budget.breached ${e.rule}`,
            passed: false,
            detail: signal?.aborted
              ? 'interrupted before the breach was detected'
              : `no breach of ${e.rule} on the drill series within ${seconds} s: is the pipeline (ingest worker and evaluator) running?`,
            detectMs,
            notifyMs,
          };
        }
        if (this.options.requireNotification && notifyMs === null) {
          return {
            name: `budget.breached ${e.rule}`,
            passed: false,
            detail: `detected in ${formatMs(detectMs)} but no notification sent within ${seconds} s: is the notifier running with Slack or email?`,
            detectMs,
            notifyMs,
          };
        }
        return {
          name: `budget.breached ${e.rule}`,
          passed: true,
          detail:
            notifyMs === null
              ? `detected in ${formatMs(detectMs)}`
              : `detected in ${formatMs(detectMs)}, notified in ${formatMs(notifyMs)} (${e.channels.join(', ')})`,
          detectMs,
          notifyMs,
        };
      });
      if (scenario.malformedRecords > 0) {
        const passed = deadLettered >= scenario.malformedRecords;
        checks.push({
          name: 'malformed records dead-lettered',
          passed,
          detail: passed
            ? `${deadLettered} of ${scenario.malformedRecords} on ${this.options.topics.deadLetter}`
            : `${deadLettered} of ${scenario.malformedRecords} dead-lettered within ${seconds} s: is the ingest worker running?`,
          detectMs: null,
          notifyMs: null,
        });
      }
      let killSwitchOutcome: KillSwitchOutcome | null = null;
      if (killSwitch !== undefined && feed !== undefined) {
        if (checks.every((check) => check.passed)) {
          this.options.progress?.('breach detected: engaging the kill switch');
          killSwitchOutcome = await this.drillKillSwitch(scenario.name, server, runId, feed);
          checks.push(...killSwitchOutcome.checks);
        } else {
          checks.push({
            name: ENGAGED_CHECK,
            passed: false,
            detail: 'not engaged: the drill engages it only once the breach is detected',
            detectMs: null,
            notifyMs: null,
          });
        }
      }
      const passed = checks.every((check) => check.passed);
      let recordedTestAt: string | null = null;
      if (passed) {
        recordedTestAt = new Date().toISOString();
        await this.options.results.recordPass(server, {
          scenario: scenario.name,
          runId,
          passedAt: recordedTestAt,
          killSwitchVerified: killSwitchOutcome?.verified === true,
        });
      }
      return {
        scenario: scenario.name,
        server,
        runId,
        tool,
        passed,
        checks,
        recordedTestAt,
        killSwitch:
          killSwitch === undefined
            ? null
            : {
                verified: killSwitchOutcome?.verified === true,
                engagedEventId: killSwitchOutcome?.engagedEventId ?? null,
                releasedEventId: killSwitchOutcome?.releasedEventId ?? null,
                enforceMs: roundMs(killSwitchOutcome?.enforceMs),
                releaseMs: roundMs(killSwitchOutcome?.releaseMs),
              },
      };
    } finally {
      await feed?.close();
      for (const consumer of consumers) await consumer.disconnect();
      await admin
        .deleteGroups([`budgetwatch-drill-${runId}`, `budgetwatch-drill-dlq-${runId}`])
        .catch(() => undefined);
      await admin.disconnect();
    }
  }

  private async drillKillSwitch(
    scenario: DrillScenarioName,
    server: string,
    runId: string,
    feed: DecisionFeed,
  ): Promise<KillSwitchOutcome> {
    const killSwitch = this.options.killSwitch as NonNullable<DrillRunnerOptions['killSwitch']>;
    const probe = await startGuardedProbe(server, feed);
    try {
      return await drillKillSwitch(
        server,
        runId,
        `${scenario} drill ${runId}: rehearsing the kill switch, released when the drill ends`,
        {
          control: killSwitch.control,
          feed,
          probe,
          ...(killSwitch.boundMs === undefined ? {} : { boundMs: killSwitch.boundMs }),
          ...(this.options.signal === undefined ? {} : { signal: this.options.signal }),
        },
      );
    } finally {
      await probe.close();
    }
  }

  /** A throwaway consumer group reading `topic` (the drill filters by its own run). */
  private async watch(
    groupId: string,
    topic: string,
    onRecord: (value: Buffer | null, key: string | null) => void,
  ): Promise<Consumer> {
    const consumer = this.options.kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => onRecord(message.value, message.key?.toString() ?? null),
    });
    return consumer;
  }

  private async sendMalformed(key: string, count: number): Promise<void> {
    const producer = createProducer(this.options.kafka);
    await producer.connect();
    try {
      await producer.send({
        topic: this.options.topics.spans,
        messages: Array.from({ length: count }, (_, i) => ({
          key,
          // Looks like the start of a protobuf message, then is not one.
          value: Buffer.concat([
            Buffer.from([0x0a, 0xff, 0xff, 0xff]),
            // The run's key makes each run's records its own: a record read again within the
            // deduplication window is skipped as a copy (docs/operations.md, "Delivery guarantees").
            Buffer.from(`malformed drill record ${i} of ${key}`),
          ]),
        })),
      });
    } finally {
      await producer.disconnect();
    }
  }

  private async checkNotifications(expectations: Expectation[]): Promise<void> {
    for (const e of expectations) {
      if (e.eventId === null || e.notifiedAt !== null) continue;
      const log = await this.options.notifications.log(e.eventId);
      const sent = Object.entries(log).filter(([, entry]) => entry.outcome === 'sent');
      if (sent.length > 0) {
        e.notifiedAt = Date.now();
        e.channels = sent.map(([channel]) => channel).sort();
      }
    }
  }
}

/**
 * A drill waits at most as long as its series are kept after its calls (DRILL_SERIES_LIFETIME_MS):
 * a longer wait could see them forgotten before the evaluator decides their breach.
 */
export function checkDrillTimeout(timeoutMs: number): void {
  if (timeoutMs > DRILL_SERIES_LIFETIME_MS) {
    const lifetime = formatWindowDuration(DRILL_SERIES_LIFETIME_MS);
    throw new RangeError(
      `a drill waits at most ${lifetime}: its series are forgotten ${lifetime} after its calls (got ${formatWindowDuration(timeoutMs)})`,
    );
  }
}

/** The drill's own tool series: a new one per run, so every run can breach afresh. */
export function drillTool(scenario: DrillScenarioName, runId: string): string {
  return `drill-${scenario}-${runId}`;
}

function roundMs(ms: number | null | undefined): number | null {
  return ms === null || ms === undefined ? null : Math.round(ms * 10) / 10;
}

function formatMs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function progressLine(
  expectations: readonly Expectation[],
  deadLettered: number,
  malformed: number,
  sentAt: number,
  requireNotification: boolean,
): string {
  const parts = expectations.map((e) => {
    if (e.detectedAt === null) return `${e.rule}: waiting for the breach`;
    if (requireNotification && e.notifiedAt === null)
      return `${e.rule}: detected, waiting for the notification`;
    return `${e.rule}: done`;
  });
  if (malformed > 0) parts.push(`dead letters ${deadLettered}/${malformed}`);
  return `[${formatMs(Date.now() - sentAt)}] ${parts.join('; ')}`;
}
