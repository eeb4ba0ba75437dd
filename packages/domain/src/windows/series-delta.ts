import type { ToolCall } from '../tool-calls/tool-call.js';
import { addCall, type BucketCounters, emptyCounters } from './bucket-counters.js';
import { bucketIndex, isWithinRing, RESOLUTIONS, type Resolution } from './resolution.js';
import { type SeriesRef, seriesId } from './series.js';

/** What one batch adds to one series: counters per bucket, per resolution. */
export interface SeriesDelta {
  series: SeriesRef;
  id: string;
  buckets: Map<Resolution['name'], Map<number, BucketCounters>>;
  calls: number;
}

/** A tool call with the position of the record it came from, for exactly-once fencing. */
export interface PositionedCall {
  call: ToolCall;
  offset: number;
}

export interface SeriesCalls {
  series: SeriesRef;
  id: string;
  entries: PositionedCall[];
}

/** Each call counts in its tool's series and in its server's rollup. */
export function groupCallsBySeries(entries: Iterable<PositionedCall>): Map<string, SeriesCalls> {
  const groups = new Map<string, SeriesCalls>();
  // Series ids are percent-encoded text: computed once per (drill, server, tool) in the batch.
  const byServer = [new Map<string, ServerGroups>(), new Map<string, ServerGroups>()];
  for (const entry of entries) {
    const { server, tool, drill } = entry.call;
    const servers = byServer[drill ? 1 : 0] as Map<string, ServerGroups>;
    let serverGroups = servers.get(server);
    if (serverGroups === undefined) {
      serverGroups = { rollup: newGroup(groups, { server, tool: null, drill }), tools: new Map() };
      servers.set(server, serverGroups);
    }
    let toolGroup = serverGroups.tools.get(tool);
    if (toolGroup === undefined) {
      toolGroup = newGroup(groups, { server, tool, drill });
      serverGroups.tools.set(tool, toolGroup);
    }
    toolGroup.entries.push(entry);
    serverGroups.rollup.entries.push(entry);
  }
  return groups;
}

interface ServerGroups {
  rollup: SeriesCalls;
  tools: Map<string, SeriesCalls>;
}

function newGroup(groups: Map<string, SeriesCalls>, series: SeriesRef): SeriesCalls {
  const id = seriesId(series);
  const group = { series, id, entries: [] };
  groups.set(id, group);
  return group;
}

/**
 * Pre-aggregates a series' calls by bucket, skipping records at or below `appliedOffset` (already
 * in the store) and buckets that have left the ring at `nowMs`.
 */
export function aggregateSeries(
  group: SeriesCalls,
  appliedOffset: number,
  thresholdsMs: readonly number[],
  nowMs: number,
): SeriesDelta {
  const buckets = new Map<Resolution['name'], Map<number, BucketCounters>>(
    RESOLUTIONS.map((resolution) => [resolution.name, new Map()]),
  );
  let calls = 0;
  for (const { call, offset } of group.entries) {
    if (offset <= appliedOffset) continue;
    calls += 1;
    for (const resolution of RESOLUTIONS) {
      const index = bucketIndex(call.eventTimeMs, resolution);
      if (!isWithinRing(index, nowMs, resolution)) continue;
      const byIndex = buckets.get(resolution.name);
      if (byIndex === undefined) continue;
      let counters = byIndex.get(index);
      if (counters === undefined) {
        counters = emptyCounters(thresholdsMs.length);
        byIndex.set(index, counters);
      }
      addCall(counters, call, thresholdsMs);
    }
  }
  return { series: group.series, id: group.id, buckets, calls };
}
