import type { Kafka } from 'kafkajs';

export class KafkaConnectionError extends Error {
  override readonly name = 'KafkaConnectionError';
}

/**
 * Connects once, without retries, asks for the cluster and checks that `topics` exist: a service
 * that cannot use Kafka (wrong credentials, TLS mismatch, nothing listening, a topic not created
 * where the broker does not create topics itself) stops at start with this one clear error,
 * instead of kafkajs retrying in the background while nothing is consumed.
 */
export async function verifyKafka(
  kafka: Kafka,
  brokers: readonly string[],
  topics: readonly string[] = [],
): Promise<void> {
  const admin = kafka.admin({ retry: { retries: 0 } });
  let existing: Set<string>;
  try {
    await admin.connect();
    await admin.describeCluster();
    existing = new Set(topics.length === 0 ? [] : await admin.listTopics());
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new KafkaConnectionError(`cannot use Kafka at ${brokers.join(',')}: ${reason}`, { cause: error });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const missing = [...new Set(topics)].filter((topic) => !existing.has(topic));
  if (missing.length > 0) {
    throw new KafkaConnectionError(
      `${missing.length === 1 ? 'topic' : 'topics'} ${missing.join(', ')} not found on Kafka at ${brokers.join(',')}: ` +
        'create them with `budgetwatch topics create`',
    );
  }
}
