import { fileURLToPath } from 'node:url';
import { loadConfig, loadInventory, loadPolicy } from '@budgetwatch/config';
import { createLogger } from '@budgetwatch/logger';
import { startTelemetry } from '@budgetwatch/telemetry';
import { ExitCode } from '../exit-codes.js';
import { type ConnectedConfig, startConnectedStages } from '../stages/connected-stages.js';
import { startEmbeddedStages } from '../stages/embedded-stages.js';
import { requireAuthenticatedIntake } from '../stages/intake-exposure.js';
import { LiveInventory } from '../stages/live-inventory.js';
import type { OperatorHttp } from '../stages/operator-http.js';
import { RunningStages } from '../stages/running-stages.js';
import type { StageContext } from '../stages/stage-context.js';
import { untilShutdownSignal } from './ingest-worker.js';
import { serviceVersion } from './service-version.js';
import { startMode } from './start-mode.js';

export interface StartOptions {
  demo: boolean;
}

const DEMO_INVENTORY = fileURLToPath(new URL('../../demo/inventory.yaml', import.meta.url));

/**
 * Runs every stage in this process until SIGTERM/SIGINT: on Kafka and Redis when both are
 * configured, else on embedded defaults (in-process transport, in-memory stores). With `demo`,
 * generated agent traffic flows in, and one server degrades.
 */
export async function runStart(
  options: StartOptions,
  configFile: string | undefined,
  out: NodeJS.WritableStream,
  shutdown: Promise<unknown> = untilShutdownSignal(),
): Promise<ExitCode> {
  const { config, file } = loadConfig(configFile === undefined ? {} : { file: configFile });
  const mode = startMode(config);
  requireAuthenticatedIntake(config);
  const { policy } = loadPolicy({
    ...(config.evaluator.policyFile === undefined ? {} : { file: config.evaluator.policyFile }),
    latencyThresholdsMs: config.ingest.latencyThresholdsMs,
  });
  const inventoryFile = config.inventory.file ?? (options.demo ? DEMO_INVENTORY : undefined);
  const { inventory } = loadInventory(inventoryFile === undefined ? {} : { file: inventoryFile });
  const logger = createLogger({ name: 'budgetwatch', level: config.log.level });
  const telemetry = startTelemetry({ serviceName: 'budgetwatch', serviceVersion });
  logger.info(
    { configFile: file ?? null, mode, inventory: inventoryFile ?? null, otlpExport: telemetry.exporting },
    mode === 'embedded'
      ? 'starting every stage on embedded defaults: in-process transport, in-memory windows (nothing is kept across restarts)'
      : 'starting every stage on Kafka and Redis',
  );
  const context: StageContext = {
    config,
    policy,
    inventory: new LiveInventory(inventory),
    inventoryFile,
    logger,
    telemetry,
    demo: options.demo,
  };
  const stages = new RunningStages();
  const stopAll = () =>
    stages.stopAll((stage, error) => logger.error({ err: error, stage }, 'stage did not stop cleanly'));
  let http: OperatorHttp;
  try {
    http =
      mode === 'embedded'
        ? await startEmbeddedStages(context, stages)
        : await startConnectedStages({ ...context, config: config as ConnectedConfig }, stages);
  } catch (error) {
    // What started must not linger: consumers would hold their group seats until the timeout.
    await stopAll();
    await telemetry.shutdown();
    throw error;
  }
  out.write(
    `Budgetwatch is running (${mode === 'embedded' ? 'embedded, in memory' : 'Kafka and Redis'}${options.demo ? ', demo traffic' : ''}).\n` +
      `  dashboard   http://localhost:${http.port}/\n` +
      `  status      http://localhost:${http.port}/api/v1/status\n` +
      `  OTLP/HTTP   http://localhost:${http.intakePort}/v1/traces\n` +
      (http.grpcIntakePort === null ? '' : `  OTLP/gRPC   localhost:${http.grpcIntakePort}\n`) +
      'Stop with Ctrl-C.\n',
  );
  const signal = await shutdown;
  logger.info({ signal }, 'shutting down: stop intake, finish and commit batches, flush producers');
  await stopAll();
  await telemetry.shutdown();
  logger.info('stopped');
  return ExitCode.ok;
}
