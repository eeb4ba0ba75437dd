import { DEFAULT_DEDUPE_WINDOW_MS } from '@budgetwatch/domain';
import { z } from 'zod';
import { recognitionConfigSchema } from './recognition-schema.js';

const hostPort = z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'expected "host:port"');

const tlsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** PEM files; contents are read when the connection is created. */
  caFile: z.string().min(1).optional(),
  certFile: z.string().min(1).optional(),
  keyFile: z.string().min(1).optional(),
  rejectUnauthorized: z.boolean().default(true),
});

export const kafkaConfigSchema = z.strictObject({
  brokers: z.array(hostPort).min(1, 'needs at least one broker'),
  clientId: z.string().min(1).default('budgetwatch'),
  connectionTimeoutMs: z.number().int().positive().default(3000),
  requestTimeoutMs: z.number().int().positive().default(30000),
  ssl: tlsSchema.optional(),
  sasl: z
    .strictObject({
      mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
      username: z.string().min(1),
      /** Only ever set from KAFKA_SASL_PASSWORD. */
      password: z.string().min(1, 'required: set KAFKA_SASL_PASSWORD'),
    })
    .optional(),
});

export const redisConfigSchema = z
  .strictObject({
    url: z
      .string()
      .regex(/^rediss?:\/\/[^\s]+$/, 'expected a redis:// or rediss:// URL')
      .default('redis://127.0.0.1:6379'),
    /**
     * A Redis Cluster: `url` names one seed node (scheme, credentials and TLS apply to every node),
     * and the client learns the other nodes and the slot map from it.
     */
    cluster: z.boolean().default(false),
    username: z.string().min(1).optional(),
    /** Only ever set from REDIS_PASSWORD (or inside REDIS_URL). */
    password: z.string().min(1).optional(),
    tls: tlsSchema.optional(),
    /** Prepended to every key Budgetwatch writes, so several deployments can share one Redis. */
    keyPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_:.-]*$/, 'letters, digits and _ : . - only')
      .default('bw:'),
    connectTimeoutMs: z.number().int().positive().default(5000),
  })
  .check((context) => {
    // A cluster has only database 0; a URL naming another would silently be ignored.
    const database = /^rediss?:\/\/[^/]*\/(\d+)/.exec(context.value.url)?.[1];
    if (context.value.cluster && database !== undefined && Number(database) !== 0) {
      context.issues.push({
        code: 'custom',
        path: ['url'],
        message: `a Redis Cluster has only database 0, not ${database}`,
        // The database alone: the URL may hold a password.
        input: database,
      });
    }
  });

const HOUR_MS = 3_600_000;

/** How `budgetwatch topics create` makes one kind of topic. */
const topicLayoutSchema = (partitions: number, retentionMs: number) =>
  z
    .strictObject({
      partitions: z.number().int().min(1).max(10_000).default(partitions),
      /** How long records are kept (retention.ms). */
      retentionMs: z
        .number()
        .int()
        .min(HOUR_MS)
        .max(365 * 24 * HOUR_MS)
        .default(retentionMs),
    })
    .prefault({});

export const topicsConfigSchema = z.strictObject({
  spans: z.array(z.string().min(1)).min(1).default(['otlp_spans']),
  events: z.string().min(1).default('budgetwatch.events'),
  deadLetter: z.string().min(1).default('budgetwatch.dlq'),
  /**
   * The decisions in force per server and tool, compacted: the latest record of each key is the
   * subject's state, a tombstone when nothing applies (docs/policy-engines.md). One partition.
   */
  decisions: z.string().min(1).default('budgetwatch.decisions'),
  /**
   * What `budgetwatch topics create` gives each topic. Span partitions cap how many ingest
   * workers count at once; events are keyed by server, so their partitions only spread servers.
   * Spans are kept 3 days (the 24h window, and room for workers to catch up after an outage).
   */
  layout: z
    .strictObject({
      spans: topicLayoutSchema(6, 72 * HOUR_MS),
      events: topicLayoutSchema(3, 7 * 24 * HOUR_MS),
      deadLetter: topicLayoutSchema(1, 7 * 24 * HOUR_MS),
      /** Copies of each partition; default: 3, or the number of brokers if there are fewer. */
      replicationFactor: z.number().int().min(1).max(16).optional(),
    })
    .prefault({}),
});

/**
 * Caps on the series spans can create (docs/operations.md#cardinality-limits). Calls beyond them
 * are counted in overflow series, never dropped. A cap not set takes the windows' default: in
 * memory the process holds every series, on Redis the process holds none, so they differ.
 */
const cardinalitySchema = z.strictObject({
  /** Tool series one server may have; its further tools count in its `(other)` series. */
  maxToolsPerServer: z.number().int().min(1).max(1_000_000).optional(),
  /** Tool series over every server; further tools count in their server's `(other)` series. */
  maxToolSeries: z.number().int().min(1).max(10_000_000).optional(),
  /** Unregistered servers tracked; the calls of further ones count in `(other servers)`. */
  maxUnregisteredServers: z.number().int().min(0).max(1_000_000).optional(),
});

export const ingestConfigSchema = z.strictObject({
  groupId: z.string().min(1).default('budgetwatch-ingest'),
  /**
   * Which side of a call counts: client (the agent's spans) or server (the MCP server's). Each
   * recognition profile says which side its spans stand for; spans of the other side are not
   * counted (other_perspective).
   */
  perspective: z.enum(['client', 'server']).default('client'),
  /**
   * Calls that last longer are taken for broken clocks or forged spans: counted as invalid
   * (implausible_latency), never measured.
   */
  maxLatencyMs: z
    .number()
    .int()
    .min(1000)
    .max(7 * 24 * 3_600_000)
    .default(3_600_000),
  /**
   * A span record whose bytes were already read at another position (the Collector wrote it
   * twice, maybe to another partition) within this long counts nothing; an export the intake
   * wrote within this long is not written again. 0 turns both off. The memory it takes grows
   * with it: see docs/operations.md, Delivery guarantees.
   */
  dedupeWindowMs: z
    .number()
    .int()
    .min(0)
    .max(24 * 3_600_000)
    .default(DEFAULT_DEDUPE_WINDOW_MS),
  /** Latencies with exact "slower than" counters; the latency rules' thresholds must be listed. */
  latencyThresholdsMs: z.array(z.number().positive()).min(1).default([3000]),
  cardinality: cardinalitySchema.prefault({}),
  /**
   * How long the group waits for a silent (crashed) worker before moving its partitions. The
   * broker's group.min.session.timeout.ms (6 s by default) must allow it.
   */
  sessionTimeoutMs: z.number().int().min(1000).default(30_000),
  /**
   * How long a fetch waits for new records before it returns empty. Records are fetched as soon
   * as they arrive either way; a stopping worker waits for the fetch in flight.
   */
  fetchMaxWaitMs: z.number().int().min(10).max(30_000).default(5000),
  /**
   * Batches of different partitions processed at once, so one partition's Redis round trip
   * overlaps another's decoding. Order within a partition is always kept.
   */
  partitionsConcurrency: z.number().int().min(1).max(64).default(3),
  /**
   * How often the offsets of counted batches are committed (also on shutdown). Counting is
   * exactly-once either way; a longer interval means fewer commits and more records re-read (and
   * skipped by the fences) after a crash or a partition move.
   */
  commitIntervalMs: z.number().int().min(100).max(600_000).default(1000),
  /**
   * Most record bytes fetched per partition in one batch. Window writes cost per series and bucket,
   * not per span, so bigger batches are cheaper per span; memory grows with this times
   * partitionsConcurrency.
   */
  maxBatchBytes: z
    .number()
    .int()
    .min(64 * 1024)
    .max(256 * 1024 * 1024)
    .default(8 * 1024 * 1024),
});

export const evaluatorConfigSchema = z.strictObject({
  /** The rules file (see config/policy.example.yaml); without one, the four playbook rules apply. */
  policyFile: z.string().min(1).optional(),
  /** Every active series is evaluated this often; series that just received spans, at once. */
  sweepIntervalMs: z.number().int().min(1000).max(3_600_000).default(15_000),
  /** The consumer group that folds the events topic into the decisions topic. */
  decisionsGroupId: z.string().min(1).default('budgetwatch-decisions'),
});

export const inventoryConfigSchema = z.strictObject({
  /** The inventory of MCP servers (see config/inventory.example.yaml); without one, none is registered. */
  file: z.string().min(1).optional(),
  /** A Tier 2 kill switch must have been tested within this many days. */
  killSwitchMaxAgeDays: z.number().int().min(1).max(365).default(30),
});

const routeTargetSchema = z.strictObject({
  slackChannel: z.string().min(1).optional(),
  emails: z.array(z.email()).optional(),
});

export const notifierConfigSchema = z.strictObject({
  groupId: z.string().min(1).default('budgetwatch-notifier'),
  /** Events of one server arriving within this wait go out as one message. */
  groupWaitMs: z.number().int().min(0).max(600_000).default(10_000),
  /** A still-firing incident is notified again this long after its last notification. */
  repeatIntervalMs: z
    .number()
    .int()
    .min(1000)
    .max(7 * 24 * 3_600_000)
    .default(4 * 3_600_000),
  /** How often consumed offsets are committed; events are stored in Redis before that. */
  commitIntervalMs: z.number().int().min(100).max(600_000).default(5000),
  /** How long the group waits for a silent (crashed) notifier before its partitions move. */
  sessionTimeoutMs: z.number().int().min(6000).default(30_000),
  /** How long a fetch waits for new events before it returns empty; stopping waits for it. */
  fetchMaxWaitMs: z.number().int().min(10).max(30_000).default(5000),
  /** Linked from every notification. */
  dashboardUrl: z.url().optional(),
  slack: z
    .strictObject({
      /** Only ever set from SLACK_BOT_TOKEN. */
      token: z.string().min(1, 'required: set SLACK_BOT_TOKEN'),
      /** The Web API base URL (default Slack's); for a proxy or a test stand-in. */
      apiUrl: z.url().optional(),
      /**
       * Only ever set from SLACK_SIGNING_SECRET: the Slack app's signing secret, which turns on
       * the alert buttons' endpoint POST /slack/interactions (off, 404, without it).
       */
      signingSecret: z.string().min(16, 'use the Slack app signing secret').optional(),
    })
    .optional(),
  email: z
    .strictObject({
      /** Only ever set from SMTP_URL: smtp://user:password@host:port or smtps://... */
      smtpUrl: z.string().regex(/^smtps?:\/\/[^\s]+$/, 'expected an smtp:// or smtps:// URL'),
      from: z.string().min(1),
      /** The right-hand side of Message-IDs, which thread each incident's emails. */
      messageIdDomain: z
        .string()
        .regex(/^[A-Za-z0-9.-]+$/)
        .default('budgetwatch.local'),
    })
    .optional(),
  /**
   * Where notifications go when the inventory names no owner contact: per tier ("0", "1", "2"),
   * then the default route.
   */
  routes: z
    .strictObject({
      default: routeTargetSchema.prefault({}),
      tiers: z.partialRecord(z.enum(['0', '1', '2']), routeTargetSchema).default({}),
    })
    .prefault({}),
});

export const logConfigSchema = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export const httpConfigSchema = z.strictObject({
  /**
   * The address the API and the OTLP intake listen on: loopback unless told otherwise. Anything
   * else exposes the intake, whose spans drive freezes and incidents: see intakeToken.
   */
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8080),
  /** OTLP/HTTP intake (POST /v1/traces), when Kafka is configured; 4318 is the OTLP default. */
  otlpPort: z.number().int().min(0).max(65535).default(4318),
  /** OTLP/gRPC intake (TraceService/Export) beside the OTLP/HTTP one; 4317 is the OTLP default. */
  otlpGrpcPort: z.number().int().min(0).max(65535).default(4317),
  /** Off: only the OTLP/HTTP intake runs (the gRPC port is not opened). */
  otlpGrpcEnabled: z.boolean().default(true),
  /**
   * Larger OTLP requests (after decompression) are refused: 413 over HTTP, RESOURCE_EXHAUSTED
   * over gRPC.
   */
  otlpMaxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(4 * 1024 * 1024),
  /** Open GET /api/v1/decisions/stream connections at most; one more is answered 503. */
  maxDecisionStreams: z.number().int().min(1).max(100_000).default(1000),
  /** A decision stream sends a keepalive comment this often, so clients can tell it is alive. */
  decisionStreamHeartbeatMs: z.number().int().min(100).max(60_000).default(5000),
  /** Bearer token for the API's mutating endpoints; only ever set from BUDGETWATCH_API_TOKEN. */
  apiToken: z.string().min(16, 'use at least 16 characters').optional(),
  /**
   * Bearer token of the read API (GET /api/v1/*, which names owners, their emails and recovery
   * checklists) and so of the dashboard's data; absent: reads are open to whoever reaches the port.
   * Only ever set from BUDGETWATCH_API_READ_TOKEN.
   */
  readToken: z.string().min(16, 'use at least 16 characters').optional(),
  /**
   * Bearer token OTLP exporters must send to the intake (OTEL_EXPORTER_OTLP_HEADERS); only ever set
   * from BUDGETWATCH_INTAKE_TOKEN.
   */
  intakeToken: z.string().min(16, 'use at least 16 characters').optional(),
  /**
   * Say yes to an intake that accepts spans from anyone on a non-loopback address (without a token
   * or client certificates); without it, such a configuration is refused.
   */
  intakeUnauthenticated: z.boolean().default(false),
  /**
   * TLS on both intakes (HTTPS, gRPC over TLS); with clientCaFile, exporters must present a
   * certificate it signed (mTLS).
   */
  intakeTls: z
    .strictObject({
      certFile: z.string().min(1),
      keyFile: z.string().min(1),
      clientCaFile: z.string().min(1).optional(),
    })
    .optional(),
});

export const budgetwatchConfigSchema = z.strictObject({
  /** Absent means: no external Kafka; the all-in-one process uses its in-process transport. */
  kafka: kafkaConfigSchema.optional(),
  /** Absent means: no external Redis; the all-in-one process keeps windows in memory. */
  redis: redisConfigSchema.optional(),
  topics: topicsConfigSchema.prefault({}),
  ingest: ingestConfigSchema.prefault({}),
  evaluator: evaluatorConfigSchema.prefault({}),
  notifier: notifierConfigSchema.prefault({}),
  inventory: inventoryConfigSchema.prefault({}),
  /** Which spans are tool calls: the built-in profiles and the operator's own. */
  recognition: recognitionConfigSchema.prefault({}),
  log: logConfigSchema.prefault({}),
  http: httpConfigSchema.prefault({}),
});

export type TlsConfig = z.infer<typeof tlsSchema>;
export type KafkaConfig = z.infer<typeof kafkaConfigSchema>;
export type RedisConfig = z.infer<typeof redisConfigSchema>;
export type TopicsConfig = z.infer<typeof topicsConfigSchema>;
export type IngestConfig = z.infer<typeof ingestConfigSchema>;
export type LogConfig = z.infer<typeof logConfigSchema>;
export type HttpConfig = z.infer<typeof httpConfigSchema>;
export type BudgetwatchConfig = z.infer<typeof budgetwatchConfigSchema>;
export type EvaluatorConfig = z.infer<typeof evaluatorConfigSchema>;
export type NotifierConfig = z.infer<typeof notifierConfigSchema>;
export type InventoryConfig = z.infer<typeof inventoryConfigSchema>;
export type { RecognitionConfig } from './recognition-schema.js';
