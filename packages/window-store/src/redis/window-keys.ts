import { COARSE, FINE, type Resolution } from '@budgetwatch/domain';
import type { SourcePartition } from '../window-store.js';
import type { AdmissionKeys, SeriesKeys } from './window-scripts.js';

/**
 * Every Redis key the window store uses. A series' keys carry its id as the hash tag `{...}`, so
 * one atomic script touching them runs on one Redis Cluster slot. Series ids never contain braces
 * (names are percent-encoded), so the tag is exactly the id.
 */
export class WindowKeys {
  /** The coarse sketch hash's field holding the series' last write time, ms. */
  readonly lastWriteField = 'lastWriteMs';

  constructor(private readonly prefix: string) {}

  /** The counter ring of one resolution: fixed-width binary slots (see apply-series-delta-4.lua). */
  counts(seriesId: string, resolution: Resolution): string {
    return `${this.prefix}w:{${seriesId}}:${resolution.name}:counts`;
  }

  /** The latency sketches of one resolution, a field per slot; the coarse one also holds fences. */
  sketches(seriesId: string, resolution: Resolution): string {
    return `${this.prefix}w:{${seriesId}}:${resolution.name}:sketches`;
  }

  /** All four keys of a series, in the order the scripts take them. */
  series(seriesId: string): SeriesKeys {
    return [
      this.counts(seriesId, FINE),
      this.sketches(seriesId, FINE),
      this.counts(seriesId, COARSE),
      this.sketches(seriesId, COARSE),
    ];
  }

  /**
   * Sorted set of series ids scored by last write time; written separately (idempotent). Drill
   * series have their own, since they are forgotten much sooner: pruning each index is then one
   * range of its oldest members.
   */
  activeSeries(drill: boolean): string {
    return drill ? `${this.prefix}series:active:drill` : `${this.prefix}series:active`;
  }

  /**
   * The claim on a span record's content: the position that read it first (see
   * WindowStore.claimRecords). No hash tag: claims spread over the cluster's slots.
   */
  recordClaim(contentKey: string): string {
    return `${this.prefix}claim:${contentKey}`;
  }

  /**
   * The admission state (admit-series-1.lua): admitted tool series, tracked servers and tracked
   * unregistered servers, under one hash tag so one script decides over all three.
   */
  admission(): AdmissionKeys {
    const tag = `${this.prefix}{admission}`;
    return [`${tag}:tools`, `${tag}:servers`, `${tag}:unregistered`];
  }

  fenceField(source: SourcePartition): string {
    return `o:${source.topic}:${source.partition}`;
  }
}
