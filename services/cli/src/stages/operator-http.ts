import {
  coverageRoutes,
  crsRoutes,
  type DecisionControlOptions,
  type DecisionSource,
  DecisionStreams,
  dashboardRoutes,
  decisionControlRoutes,
  decisionRoutes,
  HttpApi,
  healthRoutes,
  httpsServerOptions,
  metricsRoute,
  type OperatorView,
  OtlpGrpcIntake,
  OtlpTraceIntake,
  operatorRoutes,
  otlpIntakeRoutes,
  type ReadinessCheck,
  type SpanRecordSink,
  silenceRoutes,
  slackInteractionRoutes,
} from '@budgetwatch/api';
import type { BudgetwatchConfig } from '@budgetwatch/config';
import type { CoverageReport } from '@budgetwatch/domain';
import type { Logger } from '@budgetwatch/logger';
import { type NotifierStore, type SilenceStore, SlackActions, SlackSink } from '@budgetwatch/notifier';
import type { Telemetry } from '@budgetwatch/telemetry';
import { intakeTls } from './intake-exposure.js';

export interface OperatorHttpOptions {
  config: BudgetwatchConfig;
  logger: Logger;
  view: OperatorView;
  silences: SilenceStore;
  /** The notifier's store (incidents, notification log), for the alert buttons. */
  notifications: NotifierStore;
  /** The telemetry coverage report as of a time. */
  coverage: (nowMs: number) => Promise<CoverageReport>;
  readiness: readonly ReadinessCheck[];
  telemetry: Telemetry;
  /** Where the OTLP intakes write; null: no intake. */
  intake: SpanRecordSink | null;
  /** The operator controls: where their events are published, and the inventory they check. */
  decisionControls: DecisionControlOptions;
  /** The decisions in force (GET /api/v1/decisions and its stream); absent: those routes 404. */
  decisions?: DecisionSource;
}

export interface OperatorHttp {
  port: number;
  intakePort: number | null;
  /** The OTLP/gRPC intake's port; null when there is no intake or http.otlpGrpcEnabled is off. */
  grpcIntakePort: number | null;
  close(): Promise<void>;
}

/**
 * The network side of Budgetwatch: on http.port the dashboard, the JSON API, /healthz, /readyz and
 * /metrics; on http.otlpPort the OTLP/HTTP span intake and on http.otlpGrpcPort the OTLP/gRPC one,
 * two transports over one intake.
 */
export async function startOperatorHttp(options: OperatorHttpOptions): Promise<OperatorHttp> {
  const { config, logger } = options;
  const tokens = {
    read: config.http.readToken ?? null,
    write: config.http.apiToken ?? null,
    ingest: config.http.intakeToken ?? null,
  };
  const decisions = options.decisions;
  const streams =
    decisions === undefined
      ? null
      : new DecisionStreams({
          feed: decisions.feed,
          live: () => decisions.unavailable() === null,
          maxClients: config.http.maxDecisionStreams,
          heartbeatMs: config.http.decisionStreamHeartbeatMs,
        });
  const api = new HttpApi({
    routes: [
      ...healthRoutes(options.readiness),
      metricsRoute(() => options.telemetry.prometheusText()),
      ...operatorRoutes(options.view),
      ...crsRoutes(options.view),
      ...coverageRoutes(options.coverage),
      ...silenceRoutes(options.silences),
      ...decisionControlRoutes(options.decisionControls),
      ...(decisions === undefined || streams === null ? [] : decisionRoutes(decisions, streams)),
      ...slackRoutes(options),
      ...dashboardRoutes(),
    ],
    tokens,
    logger,
  });
  const port = await api.listen(config.http.port, config.http.host);
  logger.info(
    {
      host: config.http.host,
      port,
      dashboard: `http://localhost:${port}/`,
      mutations: config.http.apiToken !== undefined,
      readToken: config.http.readToken !== undefined,
    },
    'API and dashboard listening',
  );
  const tls = options.intake === null ? undefined : intakeTls(config);
  const intake =
    options.intake === null
      ? null
      : new OtlpTraceIntake({
          sink: options.intake,
          maxBodyBytes: config.http.otlpMaxBodyBytes,
          // One window for both: the intake's memory of exports and the workers' of records.
          retryMemoryMs: config.ingest.dedupeWindowMs,
          logger,
        });
  const httpIntake =
    intake === null
      ? null
      : new HttpApi({
          routes: otlpIntakeRoutes(intake),
          tokens,
          logger,
          ...(tls === undefined ? {} : { tls: httpsServerOptions(tls) }),
        });
  const grpcIntake =
    intake === null || !config.http.otlpGrpcEnabled
      ? null
      : new OtlpGrpcIntake({
          intake,
          token: tokens.ingest,
          logger,
          ...(tls === undefined ? {} : { tls }),
        });
  let intakePort: number | null = null;
  let grpcIntakePort: number | null = null;
  try {
    intakePort = httpIntake === null ? null : await httpIntake.listen(config.http.otlpPort, config.http.host);
    grpcIntakePort =
      grpcIntake === null ? null : await grpcIntake.listen(config.http.otlpGrpcPort, config.http.host);
  } catch (error) {
    await httpIntake?.close();
    streams?.close();
    await api.close();
    throw error;
  }
  const security = {
    host: config.http.host,
    tls: tls !== undefined,
    clientCertificates: tls !== undefined && tls.clientCa !== null,
    token: config.http.intakeToken !== undefined,
  };
  if (intakePort !== null) {
    logger.info({ ...security, port: intakePort }, 'OTLP/HTTP intake listening on /v1/traces');
  }
  if (grpcIntakePort !== null) {
    logger.info({ ...security, port: grpcIntakePort }, 'OTLP/gRPC intake listening (TraceService/Export)');
  }
  return {
    port,
    intakePort,
    grpcIntakePort,
    async close() {
      await Promise.all([httpIntake?.close(), grpcIntake?.close()]);
      streams?.close();
      await api.close();
    },
  };
}

/** POST /slack/interactions, when Slack and its signing secret are configured; else none (404). */
function slackRoutes(options: OperatorHttpOptions) {
  const slack = options.config.notifier.slack;
  if (slack?.signingSecret === undefined) return [];
  const logger = options.logger.child({ component: 'slack-interactions' });
  const actions = new SlackActions({
    store: options.notifications,
    silences: options.silences,
    slack: new SlackSink({ token: slack.token, apiUrl: slack.apiUrl, logger }),
    logger,
  });
  return slackInteractionRoutes({ signingSecret: slack.signingSecret, actions, logger });
}
