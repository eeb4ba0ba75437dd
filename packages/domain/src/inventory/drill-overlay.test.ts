import { describe, expect, it } from 'vitest';
import { withDrillPasses } from './drill-overlay.js';
import { compliantTier2 } from './inventory.fixtures.js';

describe('withDrillPasses', () => {
  const inventory = {
    servers: [
      compliantTier2({ id: 'never', killSwitch: { owner: 'a', lastTestedAt: null } }),
      compliantTier2({ id: 'older', killSwitch: { owner: 'a', lastTestedAt: '2026-10-01T00:00:00.000Z' } }),
      compliantTier2({ id: 'newer', killSwitch: { owner: 'a', lastTestedAt: '2026-11-24T00:00:00.000Z' } }),
    ],
  };

  it('takes the later of the file date and the last passed drill', () => {
    const passes = new Map([
      ['never', '2026-11-20T00:00:00.000Z'],
      ['older', '2026-11-20T00:00:00.000Z'],
      ['newer', '2026-11-20T00:00:00.000Z'],
      ['unknown', '2026-11-20T00:00:00.000Z'],
    ]);
    expect(
      withDrillPasses(inventory, passes).servers.map((server) => server.killSwitch.lastTestedAt),
    ).toEqual(['2026-11-20T00:00:00.000Z', '2026-11-20T00:00:00.000Z', '2026-11-24T00:00:00.000Z']);
  });

  it('leaves the inventory alone without passes', () => {
    expect(withDrillPasses(inventory, new Map())).toBe(inventory);
  });
});
