export interface BrokerPropertiesInput {
  brokerPort: number;
  controllerPort: number;
  logDir: string;
  /** Extra or overriding broker settings, e.g. SASL listeners for security tests. */
  overrides?: Readonly<Record<string, string>>;
}

/**
 * server.properties for a single-node KRaft broker in combined mode (broker and controller in one
 * JVM) on loopback. Replication factors are 1 and the initial rebalance delay 0 so consumer groups
 * form at once in tests.
 */
export function renderBrokerProperties(input: BrokerPropertiesInput): string {
  const settings: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@127.0.0.1:${input.controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${input.brokerPort},CONTROLLER://127.0.0.1:${input.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${input.brokerPort}`,
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'log.dirs': input.logDir,
    'num.partitions': '1',
    'auto.create.topics.enable': 'false',
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '10',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    'group.initial.rebalance.delay.ms': '0',
    'log.flush.interval.messages': '9223372036854775807',
    'delete.topic.enable': 'true',
    ...input.overrides,
  };
  return `${Object.entries(settings)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

/**
 * A KRaft cluster id: 16 random bytes, base64url without padding, as `kafka-storage random-uuid`
 * prints it. Like Kafka's own generator it never starts with "-", which the storage tool's argument
 * parser would take for an option (one id in 64 otherwise).
 */
export function kraftClusterId(randomBytes: (size: number) => Uint8Array): string {
  for (;;) {
    const bytes = randomBytes(16);
    if (bytes.length !== 16) throw new Error('a cluster id needs exactly 16 bytes');
    const id = Buffer.from(bytes).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
