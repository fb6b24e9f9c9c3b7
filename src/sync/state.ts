/**
 * What `sync` keeps in the run journal between passes, and the arithmetic on it. Pure.
 *
 * A checkpoint is per primary shard: every operation with a `_seq_no` at or below it has reached
 * the target. A pass reads each shard from its checkpoint up to the shard's local checkpoint of
 * the moment (after a refresh of the source: below the local checkpoint every operation is
 * processed and, once refreshed, visible), so no change still being written is stepped over.
 * Checkpoints only move forward. Inserts and updates come as documents above the checkpoint;
 * deletes leave no document and are found apart (deletes.ts).
 */
import type { BackfillUnit, Checkpoints } from "../journal/journal.ts";
import type { ShardPosition } from "../backfill/units.ts";

export type { ShardPosition } from "../backfill/units.ts";

export type { Checkpoints, PassRecord, SyncState } from "../journal/journal.ts";

/**
 * The checkpoints a finished backfill leaves, per shard from its open (last) range: the lower of
 * the last acknowledged number and the local checkpoint its last pass settled (see
 * `BackfillUnit.settled`). Without a settled number (a journal of an older release), just below
 * the range's start: the first pass reads the range again rather than risk a gap.
 */
export function checkpointsFromBackfill(units: readonly BackfillUnit[]): Checkpoints {
  const checkpoints: Checkpoints = {};
  for (const unit of units) {
    if (unit.to !== null) continue;
    const shards = checkpoints[unit.index] ??= {};
    const start = unit.from - 1;
    shards[String(unit.shard)] = unit.settled === undefined
      ? start
      : Math.max(start, Math.min(unit.after ?? start, unit.settled));
  }
  return checkpoints;
}

/** A shard's checkpoint; -1 (nothing yet) for a shard or index never seen. */
export function checkpointOf(checkpoints: Checkpoints, index: string, shard: number): number {
  return checkpoints[index]?.[String(shard)] ?? -1;
}

/** Moves a checkpoint forward, never back (a late or repeated answer cannot undo progress). */
export function advance(
  checkpoints: Checkpoints,
  index: string,
  shard: number,
  to: number,
): void {
  const shards = checkpoints[index] ??= {};
  shards[String(shard)] = Math.max(checkpointOf(checkpoints, index, shard), to);
}

/** The range a pass reads of one shard: after the checkpoint, up to the local checkpoint. */
export function passRange(
  checkpoint: number,
  position: ShardPosition,
): { from: number; to: number } | undefined {
  const upTo = Math.min(position.localCheckpoint, position.maxSeqNo);
  if (upTo <= checkpoint) return undefined;
  return { from: checkpoint + 1, to: upTo + 1 };
}

/**
 * Operations the target is behind: per shard, the source's highest sequence number above the
 * checkpoint, summed. It counts every operation (inserts, updates and deletes) not yet passed.
 */
export function lagOf(
  positions: Record<string, readonly ShardPosition[]>,
  checkpoints: Checkpoints,
): number {
  let behind = 0;
  for (const [index, shards] of Object.entries(positions)) {
    for (const position of shards) {
      behind += Math.max(0, position.maxSeqNo - checkpointOf(checkpoints, index, position.shard));
    }
  }
  return behind;
}

/**
 * The age of the oldest change that may not be on the target yet, in seconds: 0 when nothing is
 * behind; else the time since the start of the newest pass that finished (it copied every change
 * made before it started), or since the newest that looked for deletes when that is older (a
 * delete made before it started is applied). Before any pass, since the sync began.
 */
export function lagSeconds(
  lagDocuments: number,
  times: { lastPassStart?: string; lastDeletesStart?: string; syncStart: string },
  now: Date,
): number {
  if (lagDocuments === 0) return 0;
  const changes = Date.parse(times.lastPassStart ?? times.syncStart);
  const deletes = Date.parse(times.lastDeletesStart ?? times.syncStart);
  return Math.max(0, (now.getTime() - Math.min(changes, deletes)) / 1000);
}

/**
 * Whether this pass looks for deletes. Reading every id of both sides costs more than reading
 * changes, so it runs every `everyPasses` passes (1: each pass), and always in a final pass.
 */
export function checksDeletes(pass: number, everyPasses: number, final: boolean): boolean {
  return final || everyPasses <= 1 || pass % everyPasses === 0;
}
