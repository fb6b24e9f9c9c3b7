/**
 * `--checksums`: every document of an index compared by `_id`, routing and `_source`, in memory
 * bounded independently of the index's size. Both sides are read in full through the backfill's
 * slice reader (sorting by `_id` is not available everywhere) into bucket tables of digests;
 * only when some buckets differ are both sides read again, keeping `id → digest` for the
 * documents of those buckets alone, to name the ids.
 */
import type { ClusterClient } from "../cluster/client.ts";
import type { ClusterInfo } from "../cluster/version.ts";
import { readSlice, type SourceDocument } from "../backfill/reader.ts";
import { planUnits, type ShardSeqNo } from "../backfill/units.ts";
import {
  bucketOf,
  BucketTable,
  chooseBuckets,
  differingBuckets,
  digestKey,
  documentDigest,
} from "./digest.ts";
import { diffDigests, recordDigest } from "./diff.ts";
import { mapLimit } from "./pool.ts";
import type { ChecksumPass, ChecksumProgress, ChecksumResult } from "./report.ts";

/** One index's primary shards and their highest `_seq_no`, from `readShardSeqNos`. */
export interface IndexShards {
  index: string;
  shards: ShardSeqNo[];
}

/** One cluster's view of the index (or data stream) being checked. */
export interface ChecksumSide {
  client: ClusterClient;
  info: ClusterInfo;
  /** The index itself, or a data stream's backing indices. */
  indices: IndexShards[];
  /** Documents `_count` reported, for the progress line. */
  expected: number;
}

/** How hard to read. */
export interface ChecksumOptions {
  /** Slices per index and side, read at once. */
  slices: number;
  /** Documents per page. */
  pageSize: number;
  /** Most `id → digest` entries kept per side in the second pass. */
  maxEntries: number;
  /** Called after every page with the counters. */
  onProgress?: (progress: ChecksumProgress) => void;
}

/** Defaults: 4 slices per side, pages of 1000, at most 200 000 ids per side. */
export const DEFAULT_CHECKSUM_OPTIONS: ChecksumOptions = {
  slices: 4,
  pageSize: 1000,
  maxEntries: 200_000,
};

/** Compares one index document by document. */
export async function checksumIndex(
  index: string,
  source: ChecksumSide,
  target: ChecksumSide,
  options: ChecksumOptions = DEFAULT_CHECKSUM_OPTIONS,
): Promise<ChecksumResult> {
  const counters = {
    source: { hashed: 0, expected: source.expected },
    target: { hashed: 0, expected: target.expected },
  };
  const scanBoth = async (
    pass: ChecksumPass,
    visitSource: (document: SourceDocument) => void,
    visitTarget: (document: SourceDocument) => void,
  ): Promise<void> => {
    counters.source.hashed = 0;
    counters.target.hashed = 0;
    const report = () => options.onProgress?.({ index, pass, ...counters });
    await Promise.all([
      scanSide(source, options, visitSource, (n) => {
        counters.source.hashed += n;
        report();
      }),
      scanSide(target, options, visitTarget, (n) => {
        counters.target.hashed += n;
        report();
      }),
    ]);
  };

  const sourceTable = new BucketTable();
  const targetTable = new BucketTable();
  await scanBoth(
    "digests",
    (doc) => sourceTable.addDocument(doc.id, doc.routing, doc.source),
    (doc) => targetTable.addDocument(doc.id, doc.routing, doc.source),
  );
  const differing = differingBuckets(sourceTable, targetTable);
  const result: ChecksumResult = {
    compared: sourceTable.documents,
    target_documents: targetTable.documents,
    buckets_differing: differing.length,
    capped: false,
    missing: [],
    extra: [],
    different: [],
    missing_total: 0,
    extra_total: 0,
    different_total: 0,
  };
  if (differing.length === 0) return result;

  const choice = chooseBuckets(differing, sourceTable, targetTable, options.maxEntries);
  const sourceIds = new Map<string, string>();
  const targetIds = new Map<string, string>();
  let overflow = false;
  const keep = (map: Map<string, string>) => (doc: SourceDocument) => {
    if (!choice.buckets.has(bucketOf(doc.id))) return;
    // The first pass's counts bound the maps, unless documents were written in between.
    if (map.size >= options.maxEntries && !map.has(doc.id)) {
      overflow = true;
      return;
    }
    recordDigest(map, doc.id, digestKey(documentDigest(doc.id, doc.routing, doc.source)));
  };
  await scanBoth("differences", keep(sourceIds), keep(targetIds));
  return { ...result, ...diffDigests(sourceIds, targetIds), capped: choice.capped || overflow };
}

/** Reads every document of one side, slice by slice, several slices at once. */
async function scanSide(
  side: ChecksumSide,
  options: ChecksumOptions,
  visit: (document: SourceDocument) => void,
  progressed: (documents: number) => void,
): Promise<void> {
  const units = side.indices.flatMap(({ index, shards }) =>
    planUnits(index, shards, options.slices)
  );
  await mapLimit(units, options.slices, async (unit) => {
    for await (const page of readSlice(side.client, side.info, unit, options.pageSize)) {
      for (const document of page.documents) visit(document);
      progressed(page.documents.length);
    }
  });
}
