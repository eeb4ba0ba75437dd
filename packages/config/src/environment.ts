/**
 * The environment variables Budgetwatch reads (12-factor). Each maps onto one field of the
 * configuration; values that fail to parse are passed through as strings so that validation reports
 * them against the variable's name.
 */
type Parse = 'string' | 'list' | 'integer' | 'boolean';

interface EnvBinding {
  variable: string;
  path: readonly string[];
  parse: Parse;
  /** Secrets may only come from here, never from a file, and are never logged. */
  secret?: boolean;
}

export const ENV_BINDINGS: readonly EnvBinding[] = [
  { variable: 'KAFKA_BROKERS', path: ['kafka', 'brokers'], parse: 'list' },
  { variable: 'KAFKA_CLIENT_ID', path: ['kafka', 'clientId'], parse: 'string' },
  { variable: 'KAFKA_SSL', path: ['kafka', 'ssl', 'enabled'], parse: 'boolean' },
  { variable: 'KAFKA_SSL_CA_FILE', path: ['kafka', 'ssl', 'caFile'], parse: 'string' },
  { variable: 'KAFKA_SSL_CERT_FILE', path: ['kafka', 'ssl', 'certFile'], parse: 'string' },
  { variable: 'KAFKA_SSL_KEY_FILE', path: ['kafka', 'ssl', 'keyFile'], parse: 'string' },
  { variable: 'KAFKA_SASL_MECHANISM', path: ['kafka', 'sasl', 'mechanism'], parse: 'string' },
  { variable: 'KAFKA_SASL_USERNAME', path: ['kafka', 'sasl', 'username'], parse: 'string' },
  { variable: 'KAFKA_SASL_PASSWORD', path: ['kafka', 'sasl', 'password'], parse: 'string', secret: true },
  { variable: 'REDIS_URL', path: ['redis', 'url'], parse: 'string', secret: true },
  { variable: 'REDIS_CLUSTER', path: ['redis', 'cluster'], parse: 'boolean' },
  { variable: 'REDIS_USERNAME', path: ['redis', 'username'], parse: 'string' },
  { variable: 'REDIS_PASSWORD', path: ['redis', 'password'], parse: 'string', secret: true },
  { variable: 'REDIS_TLS', path: ['redis', 'tls', 'enabled'], parse: 'boolean' },
  { variable: 'REDIS_TLS_CA_FILE', path: ['redis', 'tls', 'caFile'], parse: 'string' },
  { variable: 'REDIS_KEY_PREFIX', path: ['redis', 'keyPrefix'], parse: 'string' },
  { variable: 'BUDGETWATCH_SPAN_TOPICS', path: ['topics', 'spans'], parse: 'list' },
  { variable: 'BUDGETWATCH_EVENTS_TOPIC', path: ['topics', 'events'], parse: 'string' },
  { variable: 'BUDGETWATCH_DLQ_TOPIC', path: ['topics', 'deadLetter'], parse: 'string' },
  { variable: 'BUDGETWATCH_DECISIONS_TOPIC', path: ['topics', 'decisions'], parse: 'string' },
  {
    variable: 'BUDGETWATCH_SPAN_TOPIC_PARTITIONS',
    path: ['topics', 'layout', 'spans', 'partitions'],
    parse: 'integer',
  },
  {
    variable: 'BUDGETWATCH_TOPIC_REPLICATION_FACTOR',
    path: ['topics', 'layout', 'replicationFactor'],
    parse: 'integer',
  },
  { variable: 'BUDGETWATCH_INGEST_GROUP_ID', path: ['ingest', 'groupId'], parse: 'string' },
  {
    variable: 'BUDGETWATCH_INGEST_SESSION_TIMEOUT_MS',
    path: ['ingest', 'sessionTimeoutMs'],
    parse: 'integer',
  },
  {
    variable: 'BUDGETWATCH_INGEST_FETCH_MAX_WAIT_MS',
    path: ['ingest', 'fetchMaxWaitMs'],
    parse: 'integer',
  },
  {
    variable: 'BUDGETWATCH_INGEST_PARTITIONS_CONCURRENCY',
    path: ['ingest', 'partitionsConcurrency'],
    parse: 'integer',
  },
  {
    variable: 'BUDGETWATCH_INGEST_COMMIT_INTERVAL_MS',
    path: ['ingest', 'commitIntervalMs'],
    parse: 'integer',
  },
  { variable: 'BUDGETWATCH_INGEST_MAX_LATENCY_MS', path: ['ingest', 'maxLatencyMs'], parse: 'integer' },
  {
    variable: 'BUDGETWATCH_INGEST_DEDUPE_WINDOW_MS',
    path: ['ingest', 'dedupeWindowMs'],
    parse: 'integer',
  },
  {
    variable: 'BUDGETWATCH_MAX_TOOLS_PER_SERVER',
    path: ['ingest', 'cardinality', 'maxToolsPerServer'],
    parse: 'integer',
  },
  {
    variable: 'BUDGETWATCH_MAX_TOOL_SERIES',
    path: ['ingest', 'cardinality', 'maxToolSeries'],
    parse: 'integer',
  },
  {
    variable: 'BUDGETWATCH_MAX_UNREGISTERED_SERVERS',
    path: ['ingest', 'cardinality', 'maxUnregisteredServers'],
    parse: 'integer',
  },
  {
    variable: 'BUDGETWATCH_INGEST_MAX_BATCH_BYTES',
    path: ['ingest', 'maxBatchBytes'],
    parse: 'integer',
  },
  { variable: 'BUDGETWATCH_POLICY', path: ['evaluator', 'policyFile'], parse: 'string' },
  { variable: 'BUDGETWATCH_INVENTORY', path: ['inventory', 'file'], parse: 'string' },
  {
    variable: 'BUDGETWATCH_KILL_SWITCH_MAX_AGE_DAYS',
    path: ['inventory', 'killSwitchMaxAgeDays'],
    parse: 'integer',
  },
  {
    variable: 'BUDGETWATCH_EVALUATOR_SWEEP_INTERVAL_MS',
    path: ['evaluator', 'sweepIntervalMs'],
    parse: 'integer',
  },
  { variable: 'BUDGETWATCH_NOTIFIER_GROUP_ID', path: ['notifier', 'groupId'], parse: 'string' },
  {
    variable: 'BUDGETWATCH_DECISIONS_GROUP_ID',
    path: ['evaluator', 'decisionsGroupId'],
    parse: 'string',
  },
  { variable: 'BUDGETWATCH_NOTIFIER_GROUP_WAIT_MS', path: ['notifier', 'groupWaitMs'], parse: 'integer' },
  {
    variable: 'BUDGETWATCH_NOTIFIER_REPEAT_INTERVAL_MS',
    path: ['notifier', 'repeatIntervalMs'],
    parse: 'integer',
  },
  {
    variable: 'BUDGETWATCH_NOTIFIER_COMMIT_INTERVAL_MS',
    path: ['notifier', 'commitIntervalMs'],
    parse: 'integer',
  },
  {
    variable: 'BUDGETWATCH_NOTIFIER_SESSION_TIMEOUT_MS',
    path: ['notifier', 'sessionTimeoutMs'],
    parse: 'integer',
  },
  {
    variable: 'BUDGETWATCH_NOTIFIER_FETCH_MAX_WAIT_MS',
    path: ['notifier', 'fetchMaxWaitMs'],
    parse: 'integer',
  },
  { variable: 'BUDGETWATCH_DASHBOARD_URL', path: ['notifier', 'dashboardUrl'], parse: 'string' },
  { variable: 'SLACK_BOT_TOKEN', path: ['notifier', 'slack', 'token'], parse: 'string', secret: true },
  {
    variable: 'SLACK_SIGNING_SECRET',
    path: ['notifier', 'slack', 'signingSecret'],
    parse: 'string',
    secret: true,
  },
  { variable: 'BUDGETWATCH_SLACK_API_URL', path: ['notifier', 'slack', 'apiUrl'], parse: 'string' },
  { variable: 'SMTP_URL', path: ['notifier', 'email', 'smtpUrl'], parse: 'string', secret: true },
  { variable: 'BUDGETWATCH_EMAIL_FROM', path: ['notifier', 'email', 'from'], parse: 'string' },
  {
    variable: 'BUDGETWATCH_NOTIFIER_DEFAULT_SLACK_CHANNEL',
    path: ['notifier', 'routes', 'default', 'slackChannel'],
    parse: 'string',
  },
  {
    variable: 'BUDGETWATCH_NOTIFIER_DEFAULT_EMAILS',
    path: ['notifier', 'routes', 'default', 'emails'],
    parse: 'list',
  },
  { variable: 'BUDGETWATCH_PERSPECTIVE', path: ['ingest', 'perspective'], parse: 'string' },
  { variable: 'BUDGETWATCH_LOG_LEVEL', path: ['log', 'level'], parse: 'string' },
  { variable: 'BUDGETWATCH_HTTP_HOST', path: ['http', 'host'], parse: 'string' },
  { variable: 'BUDGETWATCH_HTTP_PORT', path: ['http', 'port'], parse: 'integer' },
  { variable: 'BUDGETWATCH_MAX_DECISION_STREAMS', path: ['http', 'maxDecisionStreams'], parse: 'integer' },
  {
    variable: 'BUDGETWATCH_DECISION_STREAM_HEARTBEAT_MS',
    path: ['http', 'decisionStreamHeartbeatMs'],
    parse: 'integer',
  },
  { variable: 'BUDGETWATCH_OTLP_PORT', path: ['http', 'otlpPort'], parse: 'integer' },
  { variable: 'BUDGETWATCH_OTLP_GRPC_PORT', path: ['http', 'otlpGrpcPort'], parse: 'integer' },
  { variable: 'BUDGETWATCH_OTLP_GRPC_ENABLED', path: ['http', 'otlpGrpcEnabled'], parse: 'boolean' },
  { variable: 'BUDGETWATCH_API_TOKEN', path: ['http', 'apiToken'], parse: 'string', secret: true },
  { variable: 'BUDGETWATCH_API_READ_TOKEN', path: ['http', 'readToken'], parse: 'string', secret: true },
  { variable: 'BUDGETWATCH_INTAKE_TOKEN', path: ['http', 'intakeToken'], parse: 'string', secret: true },
  {
    variable: 'BUDGETWATCH_INTAKE_UNAUTHENTICATED',
    path: ['http', 'intakeUnauthenticated'],
    parse: 'boolean',
  },
  { variable: 'BUDGETWATCH_INTAKE_TLS_CERT_FILE', path: ['http', 'intakeTls', 'certFile'], parse: 'string' },
  { variable: 'BUDGETWATCH_INTAKE_TLS_KEY_FILE', path: ['http', 'intakeTls', 'keyFile'], parse: 'string' },
  {
    variable: 'BUDGETWATCH_INTAKE_TLS_CLIENT_CA_FILE',
    path: ['http', 'intakeTls', 'clientCaFile'],
    parse: 'string',
  },
];

/** Fields that hold secrets, with the only variable allowed to set them. */
export const SECRET_FIELDS: ReadonlyMap<string, string> = new Map(
  ENV_BINDINGS.filter((b) => b.secret === true && b.variable !== 'REDIS_URL').map((b) => [
    b.path.join('.'),
    b.variable,
  ]),
);

function parseValue(raw: string, parse: Parse): unknown {
  switch (parse) {
    case 'string':
      return raw;
    case 'list':
      return raw
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '');
    case 'integer':
      return /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
    case 'boolean': {
      const lowered = raw.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(lowered)) return true;
      if (['false', '0', 'no', 'off'].includes(lowered)) return false;
      return raw;
    }
  }
}

export interface EnvironmentOverlay {
  /** Nested object in the shape of the configuration, holding only what the environment sets. */
  values: Record<string, unknown>;
  /** Dotted field path -> variable that set it. */
  origins: Map<string, string>;
}

export function readEnvironment(env: Readonly<Record<string, string | undefined>>): EnvironmentOverlay {
  const values: Record<string, unknown> = {};
  const origins = new Map<string, string>();
  for (const binding of ENV_BINDINGS) {
    const raw = env[binding.variable];
    if (raw === undefined || raw === '') continue;
    setIn(values, binding.path, parseValue(raw, binding.parse));
    origins.set(binding.path.join('.'), binding.variable);
  }
  return { values, origins };
}

function setIn(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next === 'object' && next !== null && !Array.isArray(next)) {
      node = next as Record<string, unknown>;
    } else {
      const created: Record<string, unknown> = {};
      node[key] = created;
      node = created;
    }
  }
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
}
