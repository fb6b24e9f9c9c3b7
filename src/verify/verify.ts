/**
 * Runs the checks of `verify` over a list of indices and gathers one result per index: counts
 * always, then document checksums and random samples when asked. Read-only on both sides.
 */
import type { ClusterClient } from "../cluster/client.ts";
import { ClusterError } from "../cluster/errors.ts";
import { MissingSourceError, readShardPositions, readShardSeqNos } from "../backfill/reader.ts";
import {
  checksumIndex,
  type ChecksumOptions,
  DEFAULT_CHECKSUM_OPTIONS,
  type IndexShards,
} from "./checksums.ts";
import { countDocuments } from "../cluster/count.ts";
import { mapLimit } from "./pool.ts";
import { type ChecksumProgress, type IndexResult, indexStatus } from "./report.ts";
import { sampleIndex } from "./sample.ts";

/** What to check and how hard. */
export interface VerifyOptions {
  checksums: boolean;
  /** Random source documents per index to look up on the target. */
  sample?: number;
  /** Seed of the sample (random when absent). */
  seed?: number;
  /** Indices counted (or sampled) at once. */
  concurrency?: number;
  /** Tuning of the checksum reads. */
  checksumOptions?: Partial<ChecksumOptions>;
  onProgress?: (progress: ChecksumProgress) => void;
}

type Finding = Omit<IndexResult, "status">;

/** Verifies each index; an index that cannot be read is an `error` result, not an exception. */
export async function verifyIndices(
  source: ClusterClient,
  target: ClusterClient,
  indices: readonly string[],
  options: VerifyOptions,
): Promise<IndexResult[]> {
  const concurrency = options.concurrency ?? 8;
  const findings: Finding[] = await mapLimit(indices, concurrency, async (index) => {
    const finding: Finding = { index, source_count: null, target_count: null };
    await perIndex(finding, async () => {
      [finding.source_count, finding.target_count] = await Promise.all([
        countDocuments(source, index),
        countDocuments(target, index),
      ]);
    });
    return finding;
  });
  // A missing index on either side has nothing to compare document by document.
  const comparable = findings.filter((finding) =>
    finding.error === undefined && finding.source_count !== null && finding.target_count !== null
  );

  if (options.checksums && comparable.length > 0) {
    const names = comparable.map((finding) => finding.index);
    const [sourceInfo, targetInfo, sourceShards, targetShards] = await Promise.all([
      source.info(),
      target.info(),
      readShardsOf(source, names),
      readShardsOf(target, names),
    ]);
    const checksumOptions = {
      ...DEFAULT_CHECKSUM_OPTIONS,
      ...options.checksumOptions,
      onProgress: options.onProgress,
    };
    // One index at a time: each holds its tables (and maybe id maps) in memory.
    for (const finding of comparable) {
      await perIndex(finding, async () => {
        finding.checksums = await checksumIndex(
          finding.index,
          {
            client: source,
            info: sourceInfo,
            indices: sourceShards.get(finding.index) ?? [],
            expected: finding.source_count ?? 0,
          },
          {
            client: target,
            info: targetInfo,
            indices: targetShards.get(finding.index) ?? [],
            expected: finding.target_count ?? 0,
          },
          checksumOptions,
        );
      });
    }
  }

  if (options.sample !== undefined && options.sample > 0) {
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
    const size = options.sample;
    await mapLimit(comparable, Math.min(concurrency, 4), async (finding) => {
      if (finding.error !== undefined) return;
      await perIndex(finding, async () => {
        finding.sample = await sampleIndex(source, target, finding.index, size, seed);
      });
    });
  }

  // `status` right after the counts: it is what a reader of the JSON looks for first.
  return findings.map(({ index, source_count, target_count, ...rest }) => ({
    index,
    source_count,
    target_count,
    status: indexStatus({ index, source_count, target_count, ...rest }),
    ...rest,
  }));
}

/**
 * Runs one index's check, recording a failure that concerns this index alone (the cluster
 * refused the request, the index stores no `_source`) and letting the rest through: an
 * unreachable cluster or a bug stops the whole command.
 */
async function perIndex(finding: Finding, check: () => Promise<void>): Promise<void> {
  try {
    await check();
  } catch (error) {
    if (error instanceof MissingSourceError) finding.error = error.message;
    else if (error instanceof ClusterError && error.kind === "http") finding.error = error.message;
    else throw error;
  }
}

/**
 * The primary shards of each name: an index's own, or, for a data stream, those of each of its
 * backing indices (a stream is compared across all of them, by id).
 */
async function readShardsOf(
  client: ClusterClient,
  names: string[],
): Promise<Map<string, IndexShards[]>> {
  const seqNos = await readShardSeqNos(client, names);
  const result = new Map<string, IndexShards[]>();
  for (const name of names) {
    const own = seqNos.get(name) ?? [];
    if (own.length > 0) {
      result.set(name, [{ index: name, shards: own }]);
      continue;
    }
    // No shard under the name itself: a data stream, whose stats list its backing indices.
    const positions = await readShardPositions(client, [name], { ignoreUnavailable: false });
    result.set(
      name,
      Object.entries(positions).map(([index, shards]) => ({
        index,
        shards: shards.map(({ shard, maxSeqNo }) => ({ shard, maxSeqNo })),
      })),
    );
  }
  return result;
}
