/**
 * How an index is cut into slices that can be read in parallel and resumed after a crash. Pure.
 *
 * A slice is a range of `_seq_no` within one shard. Within a shard every operation has its own
 * sequence number, fixed by the primary and kept by replicas, so "everything above the last
 * acknowledged number" is a position that survives a restart of either side: no scroll or
 * point-in-time context has to outlive the process, and ES 6.0+ and every OpenSearch have it.
 * A shard's last range is open-ended, so documents written or updated during the copy (which get
 * new, higher numbers) are read too. Since ranges run in parallel, the open range may reach its
 * end while a sibling is still reading; an update made after that moves a document of the
 * sibling's range above the end just read. So an open range is done only after a pass that
 * started once every other range of its shard was done: that pass, from its checkpoint, reads
 * every change made before the shard's copy ended ({@link mayFinish}).
 */
import { createHash } from "node:crypto";
import type { BackfillUnit } from "../journal/journal.ts";
import type { RunPart } from "../journal/run-journal.ts";

/** What the source says of one primary shard. */
export interface ShardSeqNo {
  shard: number;
  /** Highest sequence number written so far; -1 on an empty shard. */
  maxSeqNo: number;
}

/** A primary shard's highest and locally checkpointed sequence numbers. */
export interface ShardPosition extends ShardSeqNo {
  /** Every operation up to this one is processed on the primary. */
  localCheckpoint: number;
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
    // Boundaries never pass `span`, so every number written later falls in the open range.
    const bound = (range: number) => Math.floor(range * span / ranges);
    for (let range = 0; range < ranges; range++) {
      const last = range === ranges - 1;
      units.push({
        id: `${index}/s${shard}/r${range}`,
        index,
        shard,
        from: bound(range),
        to: last ? null : bound(range + 1),
        after: null,
        copied: 0,
        done: false,
      });
    }
  }
  return units;
}

/**
 * The part (1 to `count`) that copies primary shard `shard` of `index` under `--part k/N`: the
 * first 4 bytes of SHA-256 of `<index>/<shard>`, as an unsigned number, modulo `count`, plus 1.
 * It depends on nothing but the name and the shard number, so every process of a run, started
 * anywhere and at any time, assigns each shard to the same part, and exactly one.
 */
export function partOf(index: string, shard: number, count: number): number {
  const digest = createHash("sha256").update(`${index}/${shard}`).digest();
  return (digest.readUInt32BE(0) % count) + 1;
}

/**
 * Whether `part` copies data stream `stream`: a stream is filled one generation after another by
 * one process (the target is rolled over between two), so parts share streams whole: the part
 * is the first 4 bytes of SHA-256 of `stream`, modulo `count`, plus 1. Every part without one.
 */
export function ownsStream(stream: string, part: RunPart | undefined): boolean {
  if (!part) return true;
  const digest = createHash("sha256").update(stream).digest();
  return (digest.readUInt32BE(0) % part.count) + 1 === part.index;
}

/** The shards of `index` that `part` copies; every shard without a part. */
export function shardsOfPart<T extends { shard: number }>(
  index: string,
  shards: readonly T[],
  part: RunPart | undefined,
): T[] {
  if (!part) return [...shards];
  return shards.filter(({ shard }) => partOf(index, shard, part.count) === part.index);
}

/** The index a unit reads on the source: its own, or a data stream's backing index. */
export function readIndexOf(unit: Pick<BackfillUnit, "index" | "source">): string {
  return unit.source ?? unit.index;
}

/**
 * The units of one data stream: each backing index cut as {@link planUnits} cuts an index, the
 * units writing to (and counted under) the stream.
 */
export function planStreamUnits(
  stream: string,
  backing: readonly string[],
  shardsOf: (index: string) => ShardSeqNo[],
  slices: number,
): BackfillUnit[] {
  return backing.flatMap((index) =>
    planUnits(index, shardsOf(index), slices).map((unit) => ({
      ...unit,
      index: stream,
      source: index,
    }))
  );
}

/**
 * A unit's generation: the position of its backing index in its stream (oldest 0); 0 for an
 * index's unit. Generation g is copied once every earlier one is done.
 */
export function generationOf(
  unit: Pick<BackfillUnit, "index" | "source">,
  streams: Readonly<Record<string, readonly string[]>> = {},
): number {
  if (unit.source === undefined) return 0;
  return Math.max(0, streams[unit.index]?.indexOf(unit.source) ?? 0);
}

/** The first `_seq_no` a unit still has to read. */
export function resumeFrom(unit: BackfillUnit): number {
  return unit.after === null ? unit.from : Math.max(unit.from, unit.after + 1);
}

/** Whether `unit` is its shard's open-ended last range, the one that follows new writes. */
export function isOpenRange(unit: BackfillUnit): boolean {
  return unit.to === null;
}

/** The other units of `unit`'s shard, from `units` (every unit of the backfill). */
export function shardSiblings(unit: BackfillUnit, units: BackfillUnit[]): BackfillUnit[] {
  return units.filter((other) =>
    other !== unit && other.id !== unit.id && readIndexOf(other) === readIndexOf(unit) &&
    other.shard === unit.shard
  );
}

/**
 * Whether a pass over `unit` that starts now may mark it done when it reaches the end of what
 * the source holds. A bounded range may: writes made later land above it. An open range only
 * once every other range of its shard is done, so the pass reads, from its checkpoint, every
 * change (new numbers, all in this range) made before the shard's copy ended. Otherwise the
 * pass still reads what is there, and the range waits to be read again.
 */
export function mayFinish(unit: BackfillUnit, units: BackfillUnit[]): boolean {
  return !isOpenRange(unit) || shardSiblings(unit, units).every((other) => other.done);
}

/**
 * Open ranges among `waiting` that may now take their last pass (see {@link mayFinish}), e.g.
 * after a sibling was marked done.
 */
export function readyToFinish(waiting: BackfillUnit[], units: BackfillUnit[]): BackfillUnit[] {
  return waiting.filter((unit) => mayFinish(unit, units));
}

/**
 * What becomes of `unit` once a pass over it read to the end: `done`, when the pass was allowed
 * to finish it (`final`, from {@link mayFinish} as the pass started); `again`, an open range
 * whose siblings finished during the pass, to be read once more now, for the last time; `wait`,
 * an open range whose shard still has ranges being read.
 */
export function afterPass(
  unit: BackfillUnit,
  units: BackfillUnit[],
  final: boolean,
): "done" | "again" | "wait" {
  if (final) return "done";
  return mayFinish(unit, units) ? "again" : "wait";
}
