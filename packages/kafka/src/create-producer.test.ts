import { Kafka, type logCreator, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createProducer } from './create-producer.js';
import { isKafkajsNegativeTimeoutWarning } from './kafkajs-timer-warning.js';
import { LazyProducer } from './lazy-producer.js';

describe('Budgetwatch producers', () => {
  it('name their partitioner, so kafkajs logs no partitioner warning at start', () => {
    const warnings: string[] = [];
    const capture: logCreator = () => (entry) => {
      if (entry.level <= logLevel.WARN) warnings.push(entry.log.message);
    };
    // No connection is made: the warning, when it comes, comes as the producer is created.
    const kafka = new Kafka({ brokers: ['127.0.0.1:1'], logCreator: capture, logLevel: logLevel.WARN });
    createProducer(kafka);
    new LazyProducer(kafka);
    expect(warnings).toEqual([]);
    kafka.producer();
    expect(warnings.join('\n')).toContain('switched default partitioner');
  });
});

describe('the kafkajs negative-timeout warning filter', () => {
  const warning = (name: string, stack: string) =>
    Object.assign(new Error('-1 is a negative number'), { name, stack });

  it("drops Node's TimeoutNegativeWarning from kafkajs's request queue only", () => {
    const fromKafkajs =
      'at RequestQueue.scheduleCheckPendingRequests (/app/node_modules/kafkajs/src/network/requestQueue/index.js:317:37)';
    expect(isKafkajsNegativeTimeoutWarning(warning('TimeoutNegativeWarning', fromKafkajs))).toBe(true);
    expect(
      isKafkajsNegativeTimeoutWarning(warning('TimeoutNegativeWarning', 'at ours (/app/services/x.js:1:1)')),
    ).toBe(false);
    expect(isKafkajsNegativeTimeoutWarning(warning('DeprecationWarning', fromKafkajs))).toBe(false);
  });
});
