import {
  crsRoutes,
  dashboardRoutes,
  emptyIntakeMetrics,
  HttpApi,
  healthRoutes,
  metricsRoute,
  type OperatorView,
  operatorRoutes,
  otlpIntakeRoutes,
  type ReadinessCheck,
  type SpanRecordSink,
  silenceRoutes,
} from '@budgetwatch/api';
import type { BudgetwatchConfig } from '@budgetwatch/config';
import type { CrsBreakdown } from '@budgetwatch/domain';
import type { Logger } from '@budgetwatch/logger';
import type { SilenceStore } from '@budgetwatch/notifier';
import type { Telemetry } from '@budgetwatch/telemetry';
import { intakeTlsOptions } from './intake-exposure.js';

export interface OperatorHttpOptions {
  config: BudgetwatchConfig;
  logger: Logger;
  view: OperatorView;
  silences: SilenceStore;
  crs: (server?: string) => Promise<CrsBreakdown[]>;
  readiness: readonly ReadinessCheck[];
  telemetry: Telemetry;
  /** Where the OTLP/HTTP intake writes; null: no intake. */
  intake: SpanRecordSink | null;
}

export interface OperatorHttp {
  port: number;
  intakePort: number | null;
  close(): Promise<void>;
}

/**
 * The HTTP side of Budgetwatch: on http.port the dashboard, the JSON API, /healthz, /readyz and
 * /metrics; on http.otlpPort the OTLP/HTTP span intake.
 */
export async function startOperatorHttp(options: OperatorHttpOptions): Promise<OperatorHttp> {
  const { config, logger } = options;
  const tokens = {
    read: null,
    write: config.http.apiToken ?? null,
    ingest: config.http.intakeToken ?? null,
  };
  const api = new HttpApi({
    routes: [
      ...healthRoutes(options.readiness),
      metricsRoute(() => options.telemetry.prometheusText()),
      ...operatorRoutes(options.view),
      ...crsRoutes(options.crs, options.view.policy.crs.haltThreshold),
      ...silenceRoutes(options.silences),
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
    },
    'API and dashboard listening',
  );
  const tls = options.intake === null ? undefined : intakeTlsOptions(config);
  const intake =
    options.intake === null
      ? null
      : new HttpApi({
          routes: otlpIntakeRoutes(
            {
              sink: options.intake,
              maxBodyBytes: config.http.otlpMaxBodyBytes,
              // One window for both: the intake's memory of exports and the workers' of records.
              retryMemoryMs: config.ingest.dedupeWindowMs,
              logger,
            },
            emptyIntakeMetrics(),
          ),
          tokens,
          logger,
          ...(tls === undefined ? {} : { tls }),
        });
  let intakePort: number | null = null;
  try {
    intakePort = intake === null ? null : await intake.listen(config.http.otlpPort, config.http.host);
  } catch (error) {
    await api.close();
    throw error;
  }
  if (intakePort !== null) {
    logger.info(
      {
        host: config.http.host,
        port: intakePort,
        tls: tls !== undefined,
        clientCertificates: config.http.intakeTls?.clientCaFile !== undefined,
        token: config.http.intakeToken !== undefined,
      },
      'OTLP/HTTP intake listening on /v1/traces',
    );
  }
  return {
    port,
    intakePort,
    async close() {
      await intake?.close();
      await api.close();
    },
  };
}
