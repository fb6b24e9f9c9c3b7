/**
 * `--checksums`: every document of an index compared by `_id`, routing and `_source`, in memory
 * bounded independently of the index's size. Both sides are read in full through the backfill's
 * slice reader (sorting by `_id` is not available everywhere) into bucket tables of digests
 * of each `_source`'s bytes; only buckets whose bytes differ are compared again as parsed
 * values, and only buckets that still differ are read a third time, keeping `id → digest` for
 * their documents alone, to name the ids.
 */
import type { ClusterClient } from "../cluster/client.ts";
import type { ClusterInfo } from "../cluster/version.ts";
import { readSlice, type SourceDocument, sourceText } from "../backfill/reader.ts";
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
import { documentBytesHasher, type Hash64 } from "./hash.ts";
import { parseJsonExact } from "../backfill/json.ts";
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

  // First, every document by the very bytes of its `_source`: a copy by this tool keeps them,
  // so equal bytes settle nearly every bucket without parsing a single document.
  const sourceBytes = new BucketTable();
  const targetBytes = new BucketTable();
  const hashBytes = await documentBytesHasher();
  const bytesDigest = (doc: SourceDocument) => hashBytes(doc.id, doc.routing, doc.raw!);
  await scanBoth(
    "digests",
    (doc) => sourceBytes.add(bucketOf(doc.id), bytesDigest(doc)),
    (doc) => targetBytes.add(bucketOf(doc.id), bytesDigest(doc)),
  );
  const result: ChecksumResult = {
    source_count: sourceBytes.documents,
    target_count: targetBytes.documents,
    buckets_differing: 0,
    capped: false,
    missing: [],
    extra: [],
    different: [],
    missing_total: 0,
    extra_total: 0,
    different_total: 0,
  };
  const byBytes = differingBuckets(sourceBytes, targetBytes);
  if (byBytes.length === 0) return result;

  // Where bytes differ, the documents as the cluster sees them (keys in any order, 1.0 = 1):
  // another tool, or an ingest pipeline, may have written the same document differently.
  const suspect = new Set(byBytes);
  const sourceTable = new BucketTable();
  const targetTable = new BucketTable();
  const addParsed = (table: BucketTable) => (doc: SourceDocument) => {
    const bucket = bucketOf(doc.id);
    if (suspect.has(bucket)) table.add(bucket, parsedDigest(doc));
  };
  await scanBoth("contents", addParsed(sourceTable), addParsed(targetTable));
  const differing = byBytes.filter((bucket) => !sourceTable.sameBucket(targetTable, bucket));
  result.buckets_differing = differing.length;
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
    recordDigest(map, doc.id, digestKey(parsedDigest(doc)));
  };
  await scanBoth("differences", keep(sourceIds), keep(targetIds));
  return { ...result, ...diffDigests(sourceIds, targetIds), capped: choice.capped || overflow };
}

function parsedDigest(doc: SourceDocument): Hash64 {
  return documentDigest(doc.id, doc.routing, parseJsonExact(sourceText(doc)));
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
    // Pages as bytes, each `_source` cut out unparsed: what is parsed is up to the visitor.
    const pages = readSlice(side.client, side.info, unit, options.pageSize, { mode: "copy" });
    for await (const page of pages) {
      for (const document of page.documents) visit(document);
      progressed(page.documents.length);
    }
  });
}
