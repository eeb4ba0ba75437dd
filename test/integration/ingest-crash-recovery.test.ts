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

// The two scenarios share nothing but the broker and Redis (own topics, groups and key prefixes),
// and spend most of their time waiting for sessions to expire: they run side by side.
describe.concurrent('exactly-once counting while workers are SIGKILLed', () => {
  it(`a worker SIGKILLed ${KILLS} times between window write and offset commit: exact counters`, async ({
    onTestFinished,
  }) => {
    await countsExactlyThroughRestarts(await crashScenario(topics, namespace, 'restart', onTestFinished));
  }, 400_000);

  it("two workers: the survivor takes over a killed member's partitions and its uncommitted records", async ({
    onTestFinished,
  }) => {
    await countsExactlyThroughHandovers(await crashScenario(topics, namespace, 'moves', onTestFinished));
  }, 400_000);
});
