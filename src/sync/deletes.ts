/**
 * Finds and applies deletes: documents gone from the source but still on the target. Nothing
 * of `_source` is read. Both sides' ids (with routing) are summed into per-bucket digests, the
 * machinery of `verify --checksums`; only the buckets that differ are read again to list their
 * ids (an index of up to {@link KEEP_ALL} documents a side keeps its ids from the first reading
 * instead), and the ids on the target alone are deletes. Before a delete is sent, the source is asked
 * once more (`_mget`, {@link confirmedAbsent}): a document written there since its ids were read
 * is never deleted.
 */
import { type Hash64, hashDocument } from "../verify/hash.ts";
import type { ClusterClient } from "../cluster/client.ts";
import { privilegeHint } from "../cluster/errors.ts";
import { FetchMigrationError } from "../errors.ts";
import type { ClusterInfo } from "../cluster/version.ts";
import { readSlice } from "../backfill/reader.ts";
import { planUnits, type ShardSeqNo } from "../backfill/units.ts";
import { BUCKET_COUNT, BucketTable, differingBuckets } from "../verify/digest.ts";
import { mapLimit } from "../verify/pool.ts";

/** A document as far as deletes care: its id and routing. */
export interface DocumentKey {
  id: string;
  routing?: string;
}

/** The digest of a document's identity: its id and routing hashed together (verify/hash.ts). */
export function keyDigest(key: DocumentKey): Hash64 {
  return hashDocument(key.id, key.routing, null);
}

/**
 * A key's bucket, from its digest: one hash per id read (hashing is most of a check's CPU). The
 * same key lands in the same bucket on both sides; an id held with two routings may land in
 * two buckets, and both then differ.
 */
export function keyBucket(digest: Hash64, buckets = BUCKET_COUNT): number {
  return digest[0] % buckets;
}

/** A key as one string, for sets: the id and routing cannot be confused. */
export function keyText(key: DocumentKey): string {
  return JSON.stringify([key.id, key.routing ?? null]);
}

/** The keys of `target` that `source` lacks: the candidates for deletion, sorted by id. */
export function keysOnlyIn(
  target: ReadonlyMap<string, DocumentKey>,
  source: ReadonlySet<string>,
): DocumentKey[] {
  return [...target.entries()]
    .filter(([text]) => !source.has(text))
    .map(([, key]) => key)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** One cluster's side of an index, for reading its ids. */
export interface IdSide {
  client: ClusterClient;
  info: ClusterInfo;
  shards: ShardSeqNo[];
}

/** What finding the deletes of one index took and found. */
export interface DeleteScan {
  /** Ids read on each side, over both readings. */
  idsRead: number;
  bucketsDiffering: number;
  /** On the target only when read: candidates, to confirm ({@link confirmedAbsent}). */
  deletes: DocumentKey[];
}

/** Slices read at once per side, and documents per page. */
export interface ScanOptions {
  slices: number;
  pageSize: number;
  /** Keys per side kept from the first reading (default {@link KEEP_ALL}). */
  keepAll?: number;
}

/**
 * Sides of up to this many documents are diffed from one reading (about 100 bytes a key, so
 * 20 MB a side at most); larger ones are read a second time, in their differing buckets only.
 */
export const KEEP_ALL = 200_000;

/** Finds the documents of `index` to delete on the target (see the header). */
export async function findDeletes(
  index: string,
  source: IdSide,
  target: IdSide,
  options: ScanOptions,
): Promise<DeleteScan> {
  const tables = { source: new BucketTable(), target: new BucketTable() };
  // Up to `keepAll` keys per side are kept from the first reading: an index that small needs no
  // second one (and most of a sync's cost is reading ids).
  const kept = { source: new Set<string>(), target: new Map<string, DocumentKey>() };
  const keepAll = options.keepAll ?? KEEP_ALL;
  await Promise.all([
    scanIds(index, source, options, (key) => {
      const digest = keyDigest(key);
      tables.source.add(keyBucket(digest), digest);
      if (tables.source.documents <= keepAll) kept.source.add(keyText(key));
    }),
    scanIds(index, target, options, (key) => {
      const digest = keyDigest(key);
      tables.target.add(keyBucket(digest), digest);
      if (tables.target.documents <= keepAll) kept.target.set(keyText(key), key);
    }),
  ]);
  let idsRead = tables.source.documents + tables.target.documents;
  const differing = new Set(differingBuckets(tables.source, tables.target));
  if (differing.size === 0) return { idsRead, bucketsDiffering: 0, deletes: [] };
  let onSource = kept.source;
  let onTarget = kept.target;
  if (tables.source.documents > keepAll || tables.target.documents > keepAll) {
    onSource = new Set<string>();
    onTarget = new Map<string, DocumentKey>();
    const inDiffering = (key: DocumentKey) => differing.has(keyBucket(keyDigest(key)));
    await Promise.all([
      scanIds(index, source, options, (key) => {
        idsRead++;
        if (inDiffering(key)) onSource.add(keyText(key));
      }),
      scanIds(index, target, options, (key) => {
        idsRead++;
        if (inDiffering(key)) onTarget.set(keyText(key), key);
      }),
    ]);
  }
  return { idsRead, bucketsDiffering: differing.size, deletes: keysOnlyIn(onTarget, onSource) };
}

/**
 * Of `candidates`, those the source does not hold now. Call it just before deleting, with no
 * copy of changes in between: a document written again after this answer has a sequence number
 * the next pass of changes reads, after the delete.
 */
export async function confirmedAbsent(
  source: ClusterClient,
  index: string,
  candidates: readonly DocumentKey[],
): Promise<DocumentKey[]> {
  const present = await existingOnSource(source, index, candidates);
  return candidates.filter((key) => !present.has(keyText(key)));
}

/** Reads the id and routing of every document of one side, slice by slice. */
async function scanIds(
  index: string,
  side: IdSide,
  options: ScanOptions,
  visit: (key: DocumentKey) => void,
): Promise<void> {
  const units = planUnits(index, side.shards, options.slices);
  await mapLimit(units, options.slices, async (unit) => {
    const pages = readSlice(side.client, side.info, unit, options.pageSize, { mode: "ids" });
    for await (const page of pages) {
      for (const document of page.documents) visit(document);
    }
  });
}

/** Of `keys`, those the source holds now (`_mget`, a thousand at a time). */
async function existingOnSource(
  source: ClusterClient,
  index: string,
  keys: readonly DocumentKey[],
): Promise<Set<string>> {
  const found = new Set<string>();
  for (let at = 0; at < keys.length; at += 1000) {
    const group = keys.slice(at, at + 1000);
    const answer = await source.json<{ docs?: Array<{ found?: boolean }> }>(
      "POST",
      `/${encodeURIComponent(index)}/_mget`,
      {
        docs: group.map((key) => ({
          _id: key.id,
          ...(key.routing !== undefined ? { routing: key.routing } : {}),
        })),
      },
      { query: { _source: "false" }, idempotent: true },
    );
    (answer.docs ?? []).forEach((doc, i) => {
      if (doc.found) found.add(keyText(group[i]));
    });
  }
  return found;
}

/**
 * Deletes `keys` of `index` on the target (with their routing), a thousand per bulk request.
 * A document already gone counts as deleted. Throws when the target refuses a delete otherwise.
 */
export async function applyDeletes(
  target: ClusterClient,
  index: string,
  keys: readonly DocumentKey[],
): Promise<number> {
  let deleted = 0;
  for (let at = 0; at < keys.length; at += 1000) {
    const group = keys.slice(at, at + 1000);
    const body = group.map((key) =>
      JSON.stringify({
        delete: {
          _index: index,
          _id: key.id,
          ...(key.routing !== undefined ? { routing: key.routing } : {}),
        },
      }) + "\n"
    ).join("");
    const answer = await target.json<{
      items?: Array<{ delete?: { status?: number; error?: { reason?: string } } }>;
    }>("POST", "/_bulk", body, { idempotent: true });
    for (const [i, item] of (answer.items ?? []).entries()) {
      const status = item.delete?.status ?? 0;
      if (status === 200 || status === 404) {
        deleted++;
        continue;
      }
      const reason = item.delete?.error?.reason;
      throw new FetchMigrationError(
        "refused",
        `the target ${target.url} refused to delete ${index}/${group[i].id} (${status}): ${
          reason ?? "no reason given"
        }`,
        status === 401 || status === 403
          ? privilegeHint(reason)
          : "fix the cause on the target and run the same command again",
      );
    }
  }
  return deleted;
}
