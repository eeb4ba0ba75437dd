import { describe, expect, it } from 'vitest';
import { useTopics } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';
import { PLAYBOOK_SCENARIOS, useRuleEvaluation } from '../support/rule-evaluation.js';

const topics = useTopics();
const namespace = await useRedisNamespace('evaluator-rules');

describe('evaluator on the real broker and Redis: each playbook rule breaches and recovers once', () => {
  const { send, calls, eventsOf, settle, schemaErrors, expectBreachAndRecovery } = useRuleEvaluation(
    topics,
    namespace,
    'rules',
    // Settling waits two sweeps; series that get spans are evaluated within the prompt pass anyway.
    { evaluator: { sweepIntervalMs: 200 }, workers: { fetchMaxWaitMs: 100 } },
  );

  it.each(PLAYBOOK_SCENARIOS)(
    '$rule: one breach with its actions, for the tool and its server; recovery undoes them',
    expectBreachAndRecovery,
  );

  it('success-rate: a tool breaching alone leaves its server quiet until the server crosses too', async () => {
    const server = 'srv-two-tools';
    await send(calls(server, 'lookup', 1000));
    await send(calls(server, 'refund', 100));
    await send(calls(server, 'refund', 10, { error: true })); // refund 90.9%, server 99.1%
    expect(await settle(server, 2)).toEqual([
      `${server}/refund budget.breached`,
      `${server}/refund traffic.frozen`,
    ]);
    await send(calls(server, 'refund', 30, { error: true })); // server 1100 of 1140: 96.5%
    expect(await settle(server, 4)).toEqual([
      `${server}/refund budget.breached`,
      `${server}/refund traffic.frozen`,
      `${server} budget.breached`,
      `${server} traffic.frozen`,
    ]);
    const serverBreach = eventsOf(server).find(
      (e) => e.subject === server && e.type === 'budgetwatch.budget.breached',
    );
    expect(serverBreach?.data).toMatchObject({
      scope: 'server',
      tool: null,
      part: 1100,
      whole: 1140,
      threshold: 0.97,
    });
    expect(schemaErrors).toEqual([]);
  });

  it('burn-rate warning: a fast burn in the last hour pages while the 24h success rate still holds', async () => {
    const server = 'srv-burn';
    // Tool and server are evaluated concurrently: compare each subject's own sequence.
    const bySubject = (events: string[], subject: string) =>
      events.filter((e) => e.startsWith(`${subject} `));
    // Three hours ago: 10,000 good calls keep the 24h rate at 99.5% through what follows.
    await send(calls(server, 'charge', 10_000, { endTimeMs: Date.now() - 3 * 3_600_000 }));
    // One record: two records may land on two partitions and be counted errors first, and the
    // warning would then page on the errors alone (50 of 50).
    await send([...calls(server, 'charge', 50), ...calls(server, 'charge', 50, { error: true })]); // last hour: 50% errors, 16.7x the 3% budget
    const paged = await settle(server, 2);
    for (const subject of [`${server}/charge`, server]) {
      expect(bySubject(paged, subject)).toEqual([`${subject} budget.breached`]);
    }
    const warning = eventsOf(server).find((e) => e.subject === `${server}/charge`);
    expect(warning?.data).toMatchObject({
      rule: 'success-rate-burn-rate',
      part: 50,
      whole: 100,
      threshold: 0.97,
    });
    await send(calls(server, 'charge', 1000)); // the short window stops burning
    const resolved = await settle(server, 4);
    for (const subject of [`${server}/charge`, server]) {
      expect(bySubject(resolved, subject)).toEqual([
        `${subject} budget.breached`,
        `${subject} budget.recovered`,
      ]);
    }
    expect(schemaErrors).toEqual([]);
  });
});
