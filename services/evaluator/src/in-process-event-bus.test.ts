import { type BudgetwatchEvent, unregisteredServerEvent } from '@budgetwatch/events';
import { describe, expect, it } from 'vitest';
import { InProcessEventBus } from './in-process-event-bus.js';

const eventOf = (server: string): BudgetwatchEvent => unregisteredServerEvent(server, [], 0);

describe('InProcessEventBus', () => {
  it('two publishers at once: each subscriber takes the events one at a time, in position order', async () => {
    const bus = new InProcessEventBus();
    const taken: string[] = [];
    let inFlight = 0;
    bus.subscribe(async (event, position) => {
      inFlight += 1;
      expect(inFlight).toBe(1);
      // A subscriber that yields (as a store write does) while the other publisher goes on.
      await new Promise((resolve) => setImmediate(resolve));
      taken.push(`${position}:${event.data.server}`);
      inFlight -= 1;
    });
    await Promise.all([
      bus.publish([eventOf('a1'), eventOf('a2')]),
      bus.publish([eventOf('b1')]),
      bus.publish([eventOf('c1'), eventOf('c2')]),
    ]);
    expect(taken).toEqual(['0:a1', '1:a2', '2:b1', '3:c1', '4:c2']);
  });

  it("a subscriber's failure fails that publish only", async () => {
    const bus = new InProcessEventBus();
    const taken: string[] = [];
    bus.subscribe(async (event) => {
      if (event.data.server === 'bad') throw new Error('refused');
      taken.push(event.data.server);
    });
    const results = await Promise.allSettled([bus.publish([eventOf('bad')]), bus.publish([eventOf('good')])]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'fulfilled']);
    expect(taken).toEqual(['good']);
    await bus.close();
    await expect(bus.publish([eventOf('late')])).rejects.toThrow('closed');
  });
});
