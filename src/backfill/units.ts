/**
 * How an index is cut into slices that can be read in parallel and resumed after a crash. Pure.
 *
 * A slice is a range of `_seq_no` within one shard. Within a shard every operation has its own
 * sequence number, fixed by the primary and kept by replicas, so "everything above the last
 * acknowledged number" is a position that survives a restart of either side: no scroll or
 * point-in-time context has to outlive the process, and ES 6.0+ and every OpenSearch have it.
 * A shard's last range is open-ended, so documents written or updated during the copy (which get
 * new, higher numbers) are read too.
 */
import type { BackfillUnit } from "../journal/journal.ts";

/** What the source says of one primary shard. */
export interface ShardSeqNo {
  shard: number;
  /** Highest sequence number written so far; -1 on an empty shard. */
  maxSeqNo: number;
}

/**
 * Most sequence numbers in one slice. Each page searches what is left of its slice's range, so
 * a bounded range bounds the work of a page on every version (older ones cannot skip ahead in a
 * sorted search), whatever the shard's size.
 */
export const MAX_RANGE = 500_000;

/**
 * Cuts each shard of `index` into ranges so the index has about `slices` slices (at least one
 * per shard, and more on shards past {@link MAX_RANGE} numbers). Ranges split the numbers
 * evenly, which splits documents evenly on indices that are mostly appended to.
 */
export function planUnits(index: string, shards: ShardSeqNo[], slices: number): BackfillUnit[] {
  const wanted = Math.max(1, Math.ceil(slices / Math.max(1, shards.length)));
  const units: BackfillUnit[] = [];
  for (const { shard, maxSeqNo } of [...shards].sort((a, b) => a.shard - b.shard)) {
    const span = maxSeqNo + 1;
    const perShard = Math.max(wanted, Math.ceil(span / MAX_RANGE));
    // An empty or tiny shard is one open range: cutting it buys nothing.
    const ranges = span < perShard * 2 ? 1 : perShard;
    const step = Math.ceil(span / ranges);
    for (let range = 0; range < ranges; range++) {
      const last = range === ranges - 1;
      units.push({
        id: `${index}/s${shard}/r${range}`,
        index,
        shard,
        from: range * step,
        to: last ? null : (range + 1) * step,
        after: null,
        copied: 0,
        done: false,
      });
    }
  }
  return units;
}

/** The first `_seq_no` a unit still has to read. */
export function resumeFrom(unit: BackfillUnit): number {
  return unit.after === null ? unit.from : Math.max(unit.from, unit.after + 1);
}
