/**
 * One pass of `sync`: for every index, the changes (documents above each shard's checkpoint, up
 * to the shard's local checkpoint after a refresh of the source) copied with their ids and
 * routing, each checkpoint advanced only once the target acknowledged what is below it; then,
 * when this pass looks for them, the deletes (deletes.ts).
 */
import type { ClusterClient } from "../cluster/client.ts";
import type { ClusterInfo } from "../cluster/version.ts";
import type { Journal } from "../journal/journal.ts";
import { type PageSizing, readShardPositions, readSlice } from "../backfill/reader.ts";
import { resumeFrom } from "../backfill/units.ts";
import type { BulkWriter } from "../backfill/writer.ts";
import { applyDeletes, confirmedAbsent, type DocumentKey, findDeletes } from "./deletes.ts";
import {
  advance,
  checkpointOf,
  passRange,
  type PassRecord,
  type ShardPosition,
  type SyncState,
} from "./state.ts";

/** The clusters and tools a pass works with. */
export interface PassContext {
  source: ClusterClient;
  target: ClusterClient;
  sourceInfo: ClusterInfo;
  targetInfo: ClusterInfo;
  writer: BulkWriter;
  journal: Journal;
  state: SyncState;
  pageSize: number;
  /** Page sizes learned per index, kept from pass to pass (see readSlice). */
  pageSizes: Map<string, PageSizing>;
  slices: number;
  signal?: AbortSignal;
}

/**
 * Copies the changes of one index: every shard read from its checkpoint to the local checkpoint
 * taken at the start of the pass. Returns the documents copied, and those the target refused
 * (in the dead-letter file).
 */
async function copyChanges(
  context: PassContext,
  index: string,
  positions: readonly ShardPosition[],
): Promise<{ written: number; refused: number }> {
  const copied = { written: 0, refused: 0 };
  for (const position of positions) {
    const range = passRange(
      checkpointOf(context.state.checkpoints, index, position.shard),
      position,
    );
    if (!range) continue;
    const unit = {
      id: `${index}/s${position.shard}/sync`,
      index,
      shard: position.shard,
      from: range.from,
      to: range.to,
      after: null,
      copied: 0,
      done: false,
    };
    const pages = readSlice(context.source, context.sourceInfo, unit, context.pageSize, {
      mode: "copy",
      sizes: context.pageSizes,
    });
    for await (const page of pages) {
      if (context.signal?.aborted) return copied;
      const outcome = await context.writer.write(index, page.documents);
      copied.written += outcome.written;
      copied.refused += outcome.deadLettered;
      // Below the local checkpoint every operation is visible: the page's last number is safe.
      advance(
        context.state.checkpoints,
        index,
        position.shard,
        page.documents[page.documents.length - 1].seqNo,
      );
      context.journal.checkpoint();
    }
    // The range's end too: what lies between the last document and it were deletes or older
    // versions of documents updated since, both handled elsewhere.
    advance(context.state.checkpoints, index, position.shard, range.to - 1);
    await context.journal.save();
  }
  return copied;
}

/**
 * The first pass also reads the tail of each of the backfill's bounded ranges, from the last
 * document the range found to its end. A range ends at the last document visible when it was
 * read, so documents the source had accepted but not yet refreshed (a long `refresh_interval`,
 * the writes of the last second) were stepped over there, below the checkpoints the passes start
 * from. After the pass's refresh they are visible up to the local checkpoint. Usually the tails
 * hold nothing (deleted or since-updated documents), so this costs a search per range.
 */
async function copyBackfillTails(
  context: PassContext,
  index: string,
  positions: readonly ShardPosition[],
): Promise<{ written: number; refused: number }> {
  const copied = { written: 0, refused: 0 };
  for (const unit of context.journal.data.backfill?.units ?? []) {
    if (unit.index !== index || unit.to === null) continue;
    const position = positions.find(({ shard }) => shard === unit.shard);
    const to = Math.min(unit.to, (position?.localCheckpoint ?? -1) + 1);
    const from = resumeFrom(unit);
    if (from >= to) continue;
    const tail = { ...unit, id: `${unit.id}/tail`, from, to, after: null };
    for await (
      const page of readSlice(context.source, context.sourceInfo, tail, context.pageSize, {
        mode: "copy",
        sizes: context.pageSizes,
      })
    ) {
      if (context.signal?.aborted) return copied;
      const outcome = await context.writer.write(index, page.documents);
      copied.written += outcome.written;
      copied.refused += outcome.deadLettered;
    }
  }
  return copied;
}

/** The changes part of a pass: where each shard stood, and what was copied. */
export interface ChangesOutcome {
  positions: Record<string, ShardPosition[]>;
  /** Indices the source still has. */
  present: string[];
  changes: number;
  refused: number;
  /** Indices the source no longer has. */
  gone: string[];
}

/** Copies the changes of `indices` (the first pass also the backfill's tails). */
export async function copyAllChanges(
  context: PassContext,
  indices: readonly string[],
): Promise<ChangesOutcome> {
  const positions = await readShardPositions(context.source, indices);
  const present = indices.filter((index) => positions[index] !== undefined);
  const gone = indices.filter((index) => positions[index] === undefined);
  // Makes every operation up to each local checkpoint just read visible to the searches below.
  if (present.length > 0) await refresh(context.source, present);
  const outcome: ChangesOutcome = { positions, present, changes: 0, refused: 0, gone };
  for (const index of present) {
    if (context.signal?.aborted) return outcome;
    if (context.state.passes === 0) {
      const tails = await copyBackfillTails(context, index, positions[index]);
      outcome.changes += tails.written;
      outcome.refused += tails.refused;
    }
    const copied = await copyChanges(context, index, positions[index]);
    outcome.changes += copied.written;
    outcome.refused += copied.refused;
  }
  return outcome;
}

/** What one delete check found: per index, the keys only the target held. */
export interface DeleteCandidates {
  candidates: Record<string, DocumentKey[]>;
  idsRead: number;
}

/**
 * Reads the ids of `indices` on both sides (those `copyAllChanges` found present, with the source
 * positions it read) and lists what only the target holds. Reads only, so it may run while later
 * passes copy changes; {@link applyDeletes} confirms and deletes between passes.
 */
export async function findAllDeletes(
  context: PassContext,
  indices: readonly string[],
  positions: Record<string, readonly ShardPosition[]>,
): Promise<DeleteCandidates> {
  const { source, target } = context;
  const found: DeleteCandidates = { candidates: {}, idsRead: 0 };
  const targetShards = await readShardPositions(target, indices);
  if (indices.length > 0) await refresh(target, indices);
  const asSeqNos = (list: readonly ShardPosition[] = []) =>
    list.map(({ shard, maxSeqNo }) => ({ shard, maxSeqNo }));
  for (const index of indices) {
    if (context.signal?.aborted) return found;
    const scan = await findDeletes(
      index,
      { client: source, info: context.sourceInfo, shards: asSeqNos(positions[index]) },
      { client: target, info: context.targetInfo, shards: asSeqNos(targetShards[index]) },
      { slices: context.slices, pageSize: 5000 },
    );
    found.idsRead += scan.idsRead;
    if (scan.deletes.length > 0) found.candidates[index] = scan.deletes;
  }
  return found;
}

/**
 * Deletes on the target the candidates the source still lacks (asked now); returns how many.
 * Never concurrent with a copy of changes (see {@link confirmedAbsent}).
 */
export async function applyAllDeletes(
  context: PassContext,
  found: DeleteCandidates,
): Promise<number> {
  let deleted = 0;
  for (const [index, candidates] of Object.entries(found.candidates)) {
    const gone = await confirmedAbsent(context.source, index, candidates);
    if (gone.length > 0) deleted += await applyDeletes(context.target, index, gone);
  }
  if (deleted > 0) await refresh(context.target, Object.keys(found.candidates));
  return deleted;
}

/** What a pass did, before it is recorded. */
export interface PassOutcome {
  changes: number;
  /** Documents the target refused, now in the dead-letter file. */
  refused: number;
  deletes: number;
  idsRead: number;
  /** Indices the source no longer has. */
  gone: string[];
  /** When the delete check counted here began (one run behind the changes, see sync.ts). */
  deletesStartedAt?: string;
}

/** One pass over `indices`, changes then (with `checkDeletes`) deletes, one after the other. */
export async function runPass(
  context: PassContext,
  indices: readonly string[],
  checkDeletes: boolean,
): Promise<PassOutcome> {
  const changes = await copyAllChanges(context, indices);
  const { changes: copied, refused, gone } = changes;
  if (!checkDeletes || context.signal?.aborted) {
    return { changes: copied, refused, deletes: 0, idsRead: 0, gone };
  }
  const found = await findAllDeletes(context, changes.present, changes.positions);
  const deletes = await applyAllDeletes(context, found);
  return { changes: copied, refused, gone, deletes, idsRead: found.idsRead };
}

/** Refreshes `indices`, a few dozen names per request. */
export async function refresh(client: ClusterClient, indices: readonly string[]): Promise<void> {
  for (let at = 0; at < indices.length; at += 50) {
    const names = indices.slice(at, at + 50).map(encodeURIComponent).join(",");
    await client.json("POST", `/${names}/_refresh`, undefined, {
      query: { ignore_unavailable: "true" },
      idempotent: true,
    });
  }
}

/** The record of a pass for the journal and the reports. */
export function passRecord(
  pass: number,
  startedAt: Date,
  outcome: PassOutcome,
  lagDocuments: number,
  deletesChecked: boolean,
): PassRecord {
  return {
    pass,
    startedAt: startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    changes: outcome.changes,
    refused: outcome.refused,
    deletes: outcome.deletes,
    lagDocuments,
    deletesChecked,
  };
}
