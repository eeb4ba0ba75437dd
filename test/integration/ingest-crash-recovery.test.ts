import { describe, it } from 'vitest';
import {
  countsExactlyThroughHandovers,
  countsExactlyThroughRestarts,
  crashScenario,
  KILLS,
} from '../support/crash-scenario.js';
import { useTopics } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';

const topics = useTopics();
const namespace = await useRedisNamespace('crash-recovery');

describe('exactly-once counting while workers are SIGKILLed', () => {
  it(`a worker SIGKILLed ${KILLS} times between window write and offset commit: exact counters`, async () => {
    await countsExactlyThroughRestarts(await crashScenario(topics, namespace, 'restart'));
  }, 400_000);

  it("two workers: the survivor takes over a killed member's partitions and its uncommitted records", async () => {
    await countsExactlyThroughHandovers(await crashScenario(topics, namespace, 'moves'));
  }, 400_000);
});
