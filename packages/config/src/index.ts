export {
  ConfigError,
  type ConfigIssue,
  type ConfigSource,
  describeSource,
  formatIssue,
} from './config-error.js';
export { configJsonSchema } from './config-json-schema.js';
export { ENV_BINDINGS } from './environment.js';
export { inventorySchema } from './inventory/inventory-schema.js';
export { loadInventory } from './inventory/load-inventory.js';
export { type LoadConfigOptions, type LoadedConfig, loadConfig } from './load-config.js';
export { type LoadPolicyOptions, loadPolicy } from './policy/load-policy.js';
export { latencyThresholdsOf, policySchema } from './policy/policy-schema.js';
export {
  type RecognitionConfig,
  recognitionConfigSchema,
  toRecognitionSettings,
} from './recognition-schema.js';
export { redactSecrets, redactUrlCredentials } from './redact-secrets.js';
export {
  type BudgetwatchConfig,
  budgetwatchConfigSchema,
  type EvaluatorConfig,
  type HttpConfig,
  type IngestConfig,
  type InventoryConfig,
  type KafkaConfig,
  type LogConfig,
  type NotifierConfig,
  type RedisConfig,
  type TlsConfig,
  type TopicsConfig,
} from './schema.js';
export { type ReadPem, tlsConnectionOptions } from './tls-options.js';
