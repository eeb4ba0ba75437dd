import { UNATTRIBUTED_SERVER } from '@budgetwatch/domain';
import { describe, expect, it } from 'vitest';
import { EvaluationBed, inventoryOptions, registeredServer } from './evaluation-bed.fixtures.js';

/**
 * What the inventory adds to the evaluator, on the in-memory adapters with a clock only the test
 * moves: the CRS expansion gate of each registered server and the announcement of servers it lacks.
 */

/**
 * Tier 2, full write, restricted data, no authentication: A 60, B 100, O 0, so its CRS is
 * 41 + R / 4. It crosses 60 once more than 76% of its most used budget is gone.
 */
const RISKY = registeredServer('gate-mcp', {
  tier: 2,
  writeCapability: 'full',
  dataSensitivity: 'restricted',
  auth: { mode: 'none', scopes: [] },
});

describe('evaluator: the CRS expansion gate', () => {
  it('halts expansion once when the live windows push the CRS over 60, and resumes it once when they recover', async () => {
    const bed = new EvaluationBed();
    const evaluator = bed.evaluator({ crs: inventoryOptions(RISKY) });
    await bed.record('gate-mcp', 'refund', 1000);
    await evaluator.evaluateCrs('gate-mcp');
    expect(bed.publisher.published).toEqual([]);

    await bed.record('gate-mcp', 'refund', 40, { outcome: 'error' }); // 3.85% failed: R 100, CRS 66
    await evaluator.evaluateCrs('gate-mcp');
    await evaluator.evaluateCrs('gate-mcp');
    expect(bed.eventTypes('gate-mcp')).toEqual(['expansion.halted']);
    expect(bed.publisher.published[0]?.data).toMatchObject({ crs: { score: 66, R: 100 } });

    await bed.record('gate-mcp', 'refund', 2000); // 40 of 3,040 failed: R 44, CRS 52
    await evaluator.evaluateCrs('gate-mcp');
    expect(bed.eventTypes('gate-mcp')).toEqual(['expansion.halted', 'expansion.resumed']);
  });

  it('has no gate for a server the inventory does not list', async () => {
    const bed = new EvaluationBed();
    const evaluator = bed.evaluator({ crs: inventoryOptions(RISKY) });
    await bed.record('shadow-mcp', 'exec', 100, { outcome: 'error' });
    await evaluator.evaluateCrs('shadow-mcp');
    expect(bed.eventTypes('shadow-mcp')).toEqual([]);
  });
});

describe('evaluator: servers missing from the inventory', () => {
  const unregistered = (bed: EvaluationBed) =>
    bed.publisher.published.filter((event) => event.type === 'budgetwatch.inventory.unregistered');

  it('announces each once, with its tools, whichever evaluator sweeps', async () => {
    const bed = new EvaluationBed();
    const crs = inventoryOptions(registeredServer('known-mcp'));
    await bed.record('known-mcp', 'read', 10);
    await bed.record('shadow-mcp', 'exec', 10);
    await bed.record('shadow-mcp', 'read', 10);
    await bed.evaluator({ crs }).sweep();
    await bed.evaluator({ crs }).sweep();
    expect(unregistered(bed).map((event) => [event.subject, event.data])).toEqual([
      ['shadow-mcp', expect.objectContaining({ tools: ['exec', 'read'] })],
    ]);
  });

  it('announces a server again when it leaves the inventory after being registered', async () => {
    const bed = new EvaluationBed();
    const evaluator = bed.evaluator({ crs: inventoryOptions(registeredServer('known-mcp')) });
    await bed.record('shadow-mcp', 'exec', 10);
    await evaluator.sweep();
    await evaluator.setInventory(inventoryOptions(registeredServer('shadow-mcp')).inventory);
    await evaluator.sweep();
    expect(unregistered(bed)).toHaveLength(1);
    await evaluator.setInventory(inventoryOptions().inventory);
    await evaluator.sweep();
    expect(unregistered(bed).map((event) => event.id.split('/').at(-2))).toEqual(['1', '2']);
  });

  it('announces nothing without an inventory, where every server would be unregistered', async () => {
    const bed = new EvaluationBed();
    await bed.record('shadow-mcp', 'exec', 10);
    await bed.evaluator().sweep();
    expect(unregistered(bed)).toEqual([]);
  });
});

describe('evaluator: unattributed calls', () => {
  it('fire tool-scoped rules only: never a server rule, a CRS gate or an unregistered notice', async () => {
    const bed = new EvaluationBed();
    const evaluator = bed.evaluator({ crs: inventoryOptions(registeredServer('known-mcp')) });
    await bed.record(UNATTRIBUTED_SERVER, 'search', 100);
    await bed.record(UNATTRIBUTED_SERVER, 'search', 10, { outcome: 'error' }); // 90.9%
    await evaluator.sweep();
    const published = bed.publisher.published.map((event) => `${event.type} ${event.subject}`);
    expect(published).toEqual([
      `budgetwatch.budget.breached ${UNATTRIBUTED_SERVER}/search`,
      `budgetwatch.traffic.frozen ${UNATTRIBUTED_SERVER}/search`,
    ]);
  });

  it('the same calls under a server name fire its server rules too', async () => {
    const bed = new EvaluationBed();
    const evaluator = bed.evaluator();
    await bed.record('stdio-mcp', 'search', 100);
    await bed.record('stdio-mcp', 'search', 10, { outcome: 'error' });
    await evaluator.sweep();
    expect(bed.eventTypes('stdio-mcp')).toEqual(['budget.breached', 'traffic.frozen']);
  });
});
