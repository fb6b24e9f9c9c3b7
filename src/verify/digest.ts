/**
 * Order-independent digests of an index's documents, so two clusters can be compared without
 * sorting by `_id` (Elasticsearch 8 refuses that) and in memory that does not grow with the
 * index. Every document falls into one of a fixed number of buckets by its `_id`; a bucket keeps
 * how many documents it holds and the lane-wise sum (mod 2^32) of their digests. Addition is
 * commutative, so the order in which shards and pages arrive does not matter; two sides whose
 * tables are equal hold the same documents. Pure (hashing is computation, not I/O).
 */
import { type Hash64, hashDocument, hashText } from "./hash.ts";

/** Buckets per index: 48 KiB per table, and ~N/4096 documents to re-read per differing bucket. */
export const BUCKET_COUNT = 4096;

/** 32-bit words of the digest summed per bucket: 64 bits make an accidental match negligible. */
const LANES = 2;

/**
 * The digest of one document: its id, routing and source hashed together (hash.ts), so that
 * `{"a":1,"b":2}` and `{"b":2,"a":1.0}` are equal, as they are to the cluster, and 64-bit
 * integers count exactly whichever JSON parser read the page.
 */
export function documentDigest(
  id: string,
  routing: string | undefined,
  source: unknown,
): Hash64 {
  return hashDocument(id, routing, source);
}

/**
 * The bucket of a document, from its `_id` alone: the same document lands in the same bucket on
 * both sides even when its content differs, so a difference is found in exactly one bucket.
 */
export function bucketOf(id: string, buckets = BUCKET_COUNT): number {
  return hashText(id)[0] % buckets;
}

/** A digest as hex: what the id → digest maps of the second pass keep. */
export function digestKey(digest: Hash64): string {
  return digest.map((word) => word.toString(16).padStart(8, "0")).join("");
}

/** Per bucket, a document count and the lane-wise sums of the documents' digests. */
export class BucketTable {
  readonly counts: Uint32Array;
  /** `LANES` words per bucket; a Uint32Array stores every sum mod 2^32 by itself. */
  readonly sums: Uint32Array;
  /** Documents added in all. */
  documents = 0;

  constructor(readonly size = BUCKET_COUNT) {
    this.counts = new Uint32Array(size);
    this.sums = new Uint32Array(size * LANES);
  }

  /** Adds one document's digest to its bucket. */
  add(bucket: number, digest: Hash64): void {
    this.counts[bucket]++;
    for (let lane = 0; lane < LANES; lane++) this.sums[bucket * LANES + lane] += digest[lane];
    this.documents++;
  }

  /** Adds a document by id, routing and source (bucket and digest computed here). */
  addDocument(id: string, routing: string | undefined, source: unknown): void {
    this.add(bucketOf(id, this.size), documentDigest(id, routing, source));
  }

  /** Whether bucket `bucket` holds the same count and sums in `other`. */
  sameBucket(other: BucketTable, bucket: number): boolean {
    if (this.counts[bucket] !== other.counts[bucket]) return false;
    for (let lane = 0; lane < LANES; lane++) {
      const at = bucket * LANES + lane;
      if (this.sums[at] !== other.sums[at]) return false;
    }
    return true;
  }
}

/** Buckets whose count or sums differ between two tables of the same size, ascending. */
export function differingBuckets(a: BucketTable, b: BucketTable): number[] {
  if (a.size !== b.size) throw new Error(`bucket tables of ${a.size} and ${b.size} buckets`);
  const differing: number[] = [];
  for (let bucket = 0; bucket < a.size; bucket++) {
    if (!a.sameBucket(b, bucket)) differing.push(bucket);
  }
  return differing;
}

/** Which differing buckets the second pass looks into. */
export interface BucketChoice {
  buckets: Set<number>;
  /** Some differing buckets were left out to keep each side's id map under the cap. */
  capped: boolean;
}

/**
 * Picks differing buckets whose documents fit under `cap` entries per side, using the counts of
 * the first pass, so both sides keep the same buckets in full and the per-document diff of those
 * buckets is exact (a partial bucket would report false "missing" ids).
 */
export function chooseBuckets(
  differing: readonly number[],
  source: BucketTable,
  target: BucketTable,
  cap: number,
): BucketChoice {
  const buckets = new Set<number>();
  let sourceKept = 0;
  let targetKept = 0;
  let capped = false;
  for (const bucket of differing) {
    const s = source.counts[bucket];
    const t = target.counts[bucket];
    if (sourceKept + s > cap || targetKept + t > cap) {
      capped = true;
      continue;
    }
    sourceKept += s;
    targetKept += t;
    buckets.add(bucket);
  }
  return { buckets, capped };
}
