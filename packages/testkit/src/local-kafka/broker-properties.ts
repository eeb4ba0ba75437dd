export interface BrokerPropertiesInput {
  brokerPort: number;
  controllerPort: number;
  logDir: string;
  /** Extra or overriding broker settings. */
  overrides?: Readonly<Record<string, string>>;
  /**
   * A SASL/PLAIN listener instead of PLAINTEXT: these users (name -> password) may connect; the
   * first one is also what the broker uses for itself.
   */
  saslPlainUsers?: Readonly<Record<string, string>>;
}

/**
 * server.properties for a single-node KRaft broker in combined mode (broker and controller in one
 * JVM) on loopback. Replication factors are 1 and the initial rebalance delay 0 so consumer groups
 * form at once in tests; session timeouts down to 1 s are allowed.
 */
export function renderBrokerProperties(input: BrokerPropertiesInput): string {
  const listener = input.saslPlainUsers === undefined ? 'PLAINTEXT' : 'SASL_PLAINTEXT';
  const settings: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@127.0.0.1:${input.controllerPort}`,
    listeners: `${listener}://127.0.0.1:${input.brokerPort},CONTROLLER://127.0.0.1:${input.controllerPort}`,
    'advertised.listeners': `${listener}://127.0.0.1:${input.brokerPort}`,
    'listener.security.protocol.map': `${listener}:${listener},CONTROLLER:PLAINTEXT`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': listener,
    ...saslSettings(input.saslPlainUsers),
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
    // Lets a test give its consumers a short session, so a killed member's partitions move in
    // seconds; consumers that ask for nothing shorter (6 s and up) are unaffected.
    'group.min.session.timeout.ms': '1000',
    'log.flush.interval.messages': '9223372036854775807',
    'delete.topic.enable': 'true',
    ...input.overrides,
  };
  return `${Object.entries(settings)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

function saslSettings(users: Readonly<Record<string, string>> | undefined): Record<string, string> {
  if (users === undefined) return {};
  const [self] = Object.entries(users);
  if (self === undefined) throw new Error('a SASL listener needs at least one user');
  const quote = (text: string) => `"${text.replace(/["\\]/g, '\\$&')}"`;
  const accounts = Object.entries(users)
    .map(([name, password]) => `user_${name}=${quote(password)}`)
    .join(' ');
  return {
    'sasl.enabled.mechanisms': 'PLAIN',
    'sasl.mechanism.inter.broker.protocol': 'PLAIN',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username=${quote(self[0])} password=${quote(self[1])} ${accounts};`,
  };
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
