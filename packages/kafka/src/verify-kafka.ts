import type { Kafka } from 'kafkajs';

export class KafkaConnectionError extends Error {
  override readonly name = 'KafkaConnectionError';
}

/**
 * Connects once, without retries, and asks for the cluster: a service that cannot use Kafka (wrong
 * credentials, TLS mismatch, nothing listening) stops at start with this one clear error, instead
 * of kafkajs retrying in the background while nothing is consumed.
 */
export async function verifyKafka(kafka: Kafka, brokers: readonly string[]): Promise<void> {
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new KafkaConnectionError(`cannot use Kafka at ${brokers.join(',')}: ${reason}`, { cause: error });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
