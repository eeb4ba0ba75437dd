import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSeriesId, seriesId } from './series.js';

describe('seriesId', () => {
  it('is injective and round-trips for any untrusted names', () => {
    fc.assert(
      fc.property(fc.string(), fc.option(fc.string(), { nil: null }), fc.boolean(), (server, tool, drill) => {
        const id = seriesId({ server, tool, drill });
        expect(id).not.toMatch(/[{}]/);
        expect(parseSeriesId(id)).toEqual({ server, tool, drill });
      }),
    );
  });

  it('keeps a tool named * apart from the server rollup, and drill apart from production', () => {
    expect(seriesId({ server: 's', tool: '*', drill: false })).not.toBe(
      seriesId({ server: 's', tool: null, drill: false }),
    );
    expect(seriesId({ server: 's', tool: 't', drill: true })).not.toBe(
      seriesId({ server: 's', tool: 't', drill: false }),
    );
    expect(seriesId({ server: 'a|b', tool: 'c', drill: false })).not.toBe(
      seriesId({ server: 'a', tool: 'b|c', drill: false }),
    );
  });
});
