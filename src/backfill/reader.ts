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
import { HitsFormatError, type RawHit, scanHits } from "./hits.ts";
import type { BufferPool } from "./buffers.ts";

/** A long copy rides out a node restart or a busy minute: up to 8 attempts over about 2 min. */
export const READ_RETRY = { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 30_000 };

/** One document as read, ready to be written elsewhere. */
export interface SourceDocument {
  id: string;
  routing?: string;
  /**
   * The `_source` as parsed (numbers kept exactly, see json.ts); undefined when the page was
   * read for a copy (`raw` holds it) or for ids only.
   */
  source?: unknown;
  /** Set when the page needed the lossless parser: `source` may hold exact numbers. */
  exact?: true;
  /** The `_source` as the source sent it, on one line: what a copy writes (see hits.ts). */
  raw?: Uint8Array;
  seqNo: number;
}

/** How a slice is read: parsed (to compare), as bytes (to copy), or ids only (to find deletes). */
export type ReadMode = "parsed" | "copy" | "ids";

/**
 * A page asks for at most about this many bytes of documents: the page size is learned from the
 * largest document of the page before, starting small, so a shard of 20 MB documents is read a
 * few at a time and the source never builds an answer its heap cannot hold.
 */
export const PAGE_BYTES = 8 * 1024 ** 2;

/** Documents of a slice's first page, before any size is known. */
const FIRST_PAGE = 1;

/** One page of a slice. */
export interface Page {
  documents: SourceDocument[];
  /** Bytes of the answer, for throughput figures. */
  bytes: number;
  /**
   * The pool's buffer the page was read into (`pool` of {@link readSlice}): the documents' bytes
   * are views into it. Given back once nothing reads them any more (the page is acknowledged).
   */
  buffer?: Uint8Array<ArrayBuffer>;
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

/** What a reader learned of an index's documents: its last full page's size and largest one. */
export interface PageSizing {
  size: number;
  largest: number;
}

/**
 * The documents of the next page: at most `pageSize`, about {@link PAGE_BYTES} at the largest
 * document seen in the page before, and at most four times that page's. Pure.
 */
export function nextPageSize(pageSize: number, previous?: PageSizing) {
  if (!previous) return Math.min(pageSize, FIRST_PAGE);
  const bySize = Math.floor(PAGE_BYTES / Math.max(1, previous.largest));
  return Math.max(1, Math.min(pageSize, bySize, previous.size * 4));
}

/**
 * Pages of one slice from its checkpoint on, up to `pageSize` documents each (fewer when they are
 * large: {@link nextPageSize}), until the slice is exhausted. The caller decides when a page
 * counts as done (see the engine's checkpoints).
 */
export async function* readSlice(
  client: ClusterClient,
  info: ClusterInfo,
  unit: BackfillUnit,
  pageSize: number,
  { mode = "parsed", pool, sizes }: {
    mode?: ReadMode;
    pool?: BufferPool;
    /**
     * Page sizes learned per index, shared by the reads of a run (and by `sync`'s passes): a
     * read starts where earlier ones of the index got to, not from one document again.
     */
    sizes?: Map<string, PageSizing>;
  } = {},
): AsyncGenerator<Page> {
  const idsOnly = mode === "ids";
  let after = resumeFrom(unit) - 1;
  const index = readIndexOf(unit);
  let previous = sizes?.get(index);
  const range: Record<string, number> = { gte: unit.from };
  if (unit.to !== null) range.lt = unit.to;
  // ES 6 counts hits unless told otherwise in the URL; later versions take it in the body.
  const oldEs = info.distribution === "elasticsearch" && info.major < 7;
  // A page searches a window of numbers past the last one read, not the rest of the range: a
  // search of all the rest costs the source work in proportion to what is left, every page,
  // quadratic in the range (a tenth of the source's CPU at 1 M documents). The window holds
  // twice the numbers a page took in the last full one (0: unknown, search to the end).
  let numbersPerDocument = 0;
  for (;;) {
    const size = idsOnly ? pageSize : nextPageSize(pageSize, previous);
    const windowEnd = numbersPerDocument > 0
      ? after + 1 + Math.ceil(2 * numbersPerDocument * size)
      : Infinity;
    const windowed = windowEnd < (unit.to ?? Infinity);
    const response = await client.request<string | Uint8Array>(
      "POST",
      `/${encodeURIComponent(index)}/_search`,
      {
        query: {
          preference: `_shards:${unit.shard}`,
          ...(oldEs ? { track_total_hits: false } : {}),
          // Ids only: an answer of ids, routings and sort values, a tenth of the full one.
          ...(idsOnly ? { filter_path: "hits.hits._id,hits.hits._routing,hits.hits.sort" } : {}),
        },
        body: {
          size,
          // `unmapped_type`: an index that never held a document has no mapping to sort on.
          sort: [{ _seq_no: { order: "asc", unmapped_type: "long" } }],
          query: { range: { _seq_no: windowed ? { ...range, lt: windowEnd } : range } },
          search_after: [after],
          // Ids and routing only (a delete check): no `_source` read or sent.
          ...(idsOnly ? { _source: false } : {}),
          ...(oldEs ? {} : { track_total_hits: false }),
        },
        raw: mode === "copy" ? "bytes" : true,
        ...(mode === "copy" && pool ? { bytesInto: (size: number) => pool.take(size) } : {}),
        idempotent: true,
        retry: READ_RETRY,
      },
    );
    const body = response.body;
    if (response.status < 200 || response.status >= 300) {
      const text = typeof body === "string" ? body : new TextDecoder().decode(body);
      throw client.httpError("POST", `/${encodeURIComponent(index)}/_search`, {
        ...response,
        body: safeJson(text),
      });
    }
    const documents = typeof body === "string"
      ? parsedPage(index, body, idsOnly)
      : copyPage(index, body);
    if (documents.length > 0) {
      after = documents[documents.length - 1].seqNo;
      const buffer = pool && body instanceof Uint8Array
        ? new Uint8Array(body.buffer as ArrayBuffer)
        : undefined;
      yield { documents, bytes: body.length, ...(buffer ? { buffer } : {}) };
    }
    if (documents.length < size) {
      if (!windowed) return;
      // Less than a page in the window: all of it is read. The rest of the range next, in one
      // search, which ends the slice if nothing is left and sizes the next window if not.
      after = windowEnd - 1;
      numbersPerDocument = 0;
      continue;
    }
    numbersPerDocument = (after - documents[0].seqNo + 1) / documents.length;
    previous = { size, largest: largestDocument(documents, body.length) };
    sizes?.set(index, previous);
  }
}

/** Bytes of the page's largest `_source`, or the page's average size when they are parsed. */
function largestDocument(documents: SourceDocument[], pageBytes: number): number {
  let largest = 0;
  for (const document of documents) largest = Math.max(largest, document.raw?.length ?? 0);
  return largest || pageBytes / documents.length;
}

function parsedPage(index: string, text: string, idsOnly: boolean): SourceDocument[] {
  const exact = needsExactParse(text);
  const parsed = (exact ? parseLosslessJson(text) : JSON.parse(text)) as {
    hits?: { hits?: SearchHit[] };
  };
  return (parsed.hits?.hits ?? []).map((hit) => toDocument(index, hit, exact, idsOnly));
}

/** The documents of a page read as bytes, each `_source` passed through as it came. */
function copyPage(index: string, bytes: Uint8Array): SourceDocument[] {
  let hits: RawHit[];
  try {
    hits = scanHits(bytes);
  } catch (error) {
    if (!(error instanceof HitsFormatError)) throw error;
    // Not the answer shape we know: read it the general way, which says what is wrong.
    return parsedPage(index, new TextDecoder().decode(bytes), false);
  }
  return hits.map((hit) => {
    if (hit.source === undefined) throw missingSource(index, hit.id);
    return {
      id: hit.id,
      ...(hit.routing !== undefined ? { routing: hit.routing } : {}),
      raw: hit.source,
      seqNo: hit.sortValue,
    };
  });
}

function missingSource(index: string, id: string): MissingSourceError {
  return new MissingSourceError(
    `document ${id} of ${index} has no _source: the index was created with _source ` +
      "disabled, so its documents cannot be read back",
  );
}

function toDocument(
  index: string,
  hit: SearchHit,
  exact: boolean,
  idsOnly: boolean,
): SourceDocument {
  if (hit._source === undefined && !idsOnly) throw missingSource(index, hit._id);
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

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** The `_source` of a document as JSON text (for a dead letter, or to parse it). */
export function sourceText(document: SourceDocument): string {
  if (document.raw) return decoder.decode(document.raw);
  // Only a page read losslessly can hold exact numbers; the rest need no search for them.
  return document.exact ? stringifyJsonExact(document.source) : JSON.stringify(document.source);
}

/** The `_source` of a document as the bytes of a bulk body's source line. */
export function sourceBytes(document: SourceDocument): Uint8Array {
  return document.raw ?? encoder.encode(sourceText(document));
}
