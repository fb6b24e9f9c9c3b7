/**
 * The per-document comparison of the second checksum pass: `id → digest` maps of both sides,
 * restricted to the buckets that differ, turned into the ids missing, extra and different. Pure.
 */

/** Ids that differ between source and target, the first few of each kind and the totals. */
export interface DocumentDiff {
  /** On the source, not on the target. */
  missing: string[];
  /** On the target, not on the source. */
  extra: string[];
  /** On both, with another routing or `_source`. */
  different: string[];
  missing_total: number;
  extra_total: number;
  different_total: number;
}

/** Ids listed per kind in reports; the totals say how many there are in all. */
export const LISTED_IDS = 10;

/**
 * Records a document's digest under its id. An `_id` is unique per shard only: with custom
 * routing an index may hold it twice, so a repeated id keeps all its digests, sorted, which
 * compares equal whatever order the shards were read in.
 */
export function recordDigest(map: Map<string, string>, id: string, digest: string): void {
  const prior = map.get(id);
  map.set(id, prior === undefined ? digest : [...prior.split("+"), digest].sort().join("+"));
}

/** Compares two `id → digest` maps; lists are sorted and cut to `limit` ids. */
export function diffDigests(
  source: ReadonlyMap<string, string>,
  target: ReadonlyMap<string, string>,
  limit = LISTED_IDS,
): DocumentDiff {
  const missing: string[] = [];
  const different: string[] = [];
  const extra: string[] = [];
  for (const [id, digest] of source) {
    const other = target.get(id);
    if (other === undefined) missing.push(id);
    else if (other !== digest) different.push(id);
  }
  for (const id of target.keys()) {
    if (!source.has(id)) extra.push(id);
  }
  return {
    missing: firstSorted(missing, limit),
    extra: firstSorted(extra, limit),
    different: firstSorted(different, limit),
    missing_total: missing.length,
    extra_total: extra.length,
    different_total: different.length,
  };
}

function firstSorted(ids: string[], limit: number): string[] {
  return ids.sort(compareIds).slice(0, limit);
}

/** Natural order, so `d2` comes before `d10` in a report. */
function compareIds(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}
