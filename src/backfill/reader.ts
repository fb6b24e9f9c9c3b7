/**
 * Reads a source index slice by slice: each page is a search on one shard, sorted by `_seq_no`,
 * continuing after the last number seen (`search_after`). No server-side context is kept between
 * pages, so a slice can be resumed by a later process from its checkpoint alone.
 */
import { FetchMigrationError } from "../errors.ts";
import type { ClusterClient } from "../cluster/client.ts";
import type { ClusterInfo } from "../cluster/version.ts";
import type { BackfillUnit } from "../journal/journal.ts";
import { parseLosslessJson } from "../deps.ts";
import { needsExactParse, stringifyJsonExact, toNumber } from "./json.ts";
import { readIndexOf, resumeFrom, type ShardPosition, type ShardSeqNo } from "./units.ts";

/** A long copy rides out a node restart or a busy minute: up to 8 attempts over about 2 min. */
export const READ_RETRY = { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 30_000 };

/** One document as read, ready to be written elsewhere. */
export interface SourceDocument {
  id: string;
  routing?: string;
  /** The `_source` as parsed (numbers kept exactly, see json.ts). */
  source: unknown;
  /** Set when the page needed the lossless parser: `source` may hold exact numbers. */
  exact?: true;
  seqNo: number;
}

/** One page of a slice. */
export interface Page {
  documents: SourceDocument[];
  /** Bytes of the answer, for throughput figures. */
  bytes: number;
}

interface SearchHit {
  _id: string;
  _routing?: string;
  _source?: unknown;
  sort?: unknown[];
}

/** Thrown when a document has no `_source` to copy (the index was created with it disabled). */
export class MissingSourceError extends FetchMigrationError {
  constructor(message: string) {
    super(
      "refused",
      message,
      "migrate that index by other means (e.g. reindexing from its origin), leave it out with " +
        "--exclude, and run the same command again: it continues from its journal",
    );
  }
}

/**
 * Primary shards of each index with their highest sequence number. The names go in the URL in
 * groups, so a cluster with thousands of other indices is not read whole, and the URL stays short.
 */
export async function readShardSeqNos(
  client: ClusterClient,
  indices: string[],
): Promise<Map<string, ShardSeqNo[]>> {
  const positions = await readShardPositions(client, indices, { ignoreUnavailable: false });
  return new Map(indices.map((name) => [
    name,
    (positions[name] ?? []).map(({ shard, maxSeqNo }) => ({ shard, maxSeqNo })),
  ]));
}

/**
 * Each primary shard's highest and locally checkpointed sequence numbers, per index (from
 * `_stats?level=shards`), in groups of names. With `ignoreUnavailable` (the default), an index
 * the cluster no longer has is left out rather than failing the request.
 */
export async function readShardPositions(
  client: ClusterClient,
  indices: readonly string[],
  { ignoreUnavailable = true } = {},
): Promise<Record<string, ShardPosition[]>> {
  const positions: Record<string, ShardPosition[]> = {};
  for (let at = 0; at < indices.length; at += STATS_GROUP) {
    const names = indices.slice(at, at + STATS_GROUP).map(encodeURIComponent).join(",");
    const stats = await client.json<{
      indices?: Record<string, {
        shards?: Record<
          string,
          Array<{
            routing?: { primary?: boolean };
            seq_no?: { max_seq_no?: number; local_checkpoint?: number };
          }>
        >;
      }>;
    }>("GET", `/${names}/_stats/docs`, undefined, {
      query: { level: "shards", ...(ignoreUnavailable ? { ignore_unavailable: "true" } : {}) },
      idempotent: true,
    });
    for (const [name, entry] of Object.entries(stats.indices ?? {})) {
      positions[name] = Object.entries(entry.shards ?? {}).map(([shard, copies]) => {
        const primary = copies.find((copy) => copy.routing?.primary) ?? copies[0];
        const maxSeqNo = primary?.seq_no?.max_seq_no ?? -1;
        return {
          shard: Number(shard),
          maxSeqNo,
          localCheckpoint: primary?.seq_no?.local_checkpoint ?? maxSeqNo,
        };
      }).sort((a, b) => a.shard - b.shard);
    }
  }
  return positions;
}

// Fifty names per request: few requests, and a URL well under the 4 KB request line that some
// proxies allow, at typical name lengths.
const STATS_GROUP = 50;

/**
 * The shard's local checkpoint, then a refresh of the index: every operation up to the returned
 * number is processed on the primary and, after the refresh, visible to searches. Writes run
 * concurrently, so a document can become visible after one with a higher `_seq_no`; reading
 * only above what this returns never steps over one of those.
 */
export async function settleShard(
  client: ClusterClient,
  index: string,
  shard: number,
): Promise<number> {
  const positions = await readShardPositions(client, [index], { ignoreUnavailable: false });
  const position = positions[index]?.find((each) => each.shard === shard);
  await client.json("POST", `/${encodeURIComponent(index)}/_refresh`, undefined, {
    idempotent: true,
  });
  return position?.localCheckpoint ?? -1;
}

/**
 * Pages of one slice from its checkpoint on, `size` documents each, until the slice is
 * exhausted. The caller decides when a page counts as done (see the engine's checkpoints).
 */
export async function* readSlice(
  client: ClusterClient,
  info: ClusterInfo,
  unit: BackfillUnit,
  size: number,
  { idsOnly = false }: { idsOnly?: boolean } = {},
): AsyncGenerator<Page> {
  let after = resumeFrom(unit) - 1;
  const index = readIndexOf(unit);
  const range: Record<string, number> = { gte: unit.from };
  if (unit.to !== null) range.lt = unit.to;
  // ES 6 counts hits unless told otherwise in the URL; later versions take it in the body.
  const oldEs = info.distribution === "elasticsearch" && info.major < 7;
  for (;;) {
    const response = await client.request<string>(
      "POST",
      `/${encodeURIComponent(index)}/_search`,
      {
        query: {
          preference: `_shards:${unit.shard}`,
          ...(oldEs ? { track_total_hits: false } : {}),
        },
        body: {
          size,
          // `unmapped_type`: an index that never held a document has no mapping to sort on.
          sort: [{ _seq_no: { order: "asc", unmapped_type: "long" } }],
          query: { range: { _seq_no: range } },
          search_after: [after],
          // Ids and routing only (a delete check): no `_source` read or sent.
          ...(idsOnly ? { _source: false } : {}),
          ...(oldEs ? {} : { track_total_hits: false }),
        },
        raw: true,
        idempotent: true,
        retry: READ_RETRY,
      },
    );
    if (response.status < 200 || response.status >= 300) {
      throw client.httpError("POST", `/${encodeURIComponent(index)}/_search`, {
        ...response,
        body: safeJson(response.body),
      });
    }
    const text = response.body;
    const exact = needsExactParse(text);
    const parsed = (exact ? parseLosslessJson(text) : JSON.parse(text)) as {
      hits?: { hits?: SearchHit[] };
    };
    const hits = parsed.hits?.hits ?? [];
    if (hits.length === 0) return;
    const documents = hits.map((hit) => toDocument(index, hit, exact, idsOnly));
    after = documents[documents.length - 1].seqNo;
    yield { documents, bytes: text.length };
    if (hits.length < size) return;
  }
}

function toDocument(
  index: string,
  hit: SearchHit,
  exact: boolean,
  idsOnly: boolean,
): SourceDocument {
  if (hit._source === undefined && !idsOnly) {
    throw new MissingSourceError(
      `document ${hit._id} of ${index} has no _source: the index was created with _source ` +
        "disabled, so its documents cannot be read back",
    );
  }
  return {
    id: hit._id,
    ...(hit._routing !== undefined ? { routing: hit._routing } : {}),
    source: hit._source,
    seqNo: toNumber(hit.sort?.[0]),
    ...(exact ? { exact } : {}),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The `_source` of a document as JSON text for a bulk body. */
export function sourceText(document: SourceDocument): string {
  // Only a page read losslessly can hold exact numbers; the rest need no search for them.
  return document.exact ? stringifyJsonExact(document.source) : JSON.stringify(document.source);
}
