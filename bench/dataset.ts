/**
 * The bench's data sets: deterministic documents written once to a local NDJSON file in `_bulk`
 * form and loaded into the source cluster once. Document `i` depends only on the seed and `i`, so
 * a smaller set is the first documents of a larger one. Two kinds (`--data`):
 * - `bench` (the default): realistic documents of about 1.1 KB (timestamps, keywords, free text,
 *   numbers, an object and a nested array);
 * - `small`: small, repetitive documents of about 100–150 bytes (a timestamp, a keyword, an
 *   integer and a short message, each from a small set), where per-document costs dominate.
 */
import { sendJson } from "./http.ts";
import { formatCount, log } from "./format.ts";

/** Bump when the generator or the mapping changes: a stored file or index is then rebuilt. */
export const DATASET_VERSION = 1;
export const SEED = 0x5eed_2026;
export const BENCH_DIR = new URL("../.test-clusters/bench/", import.meta.url).pathname;

/** Shards of every bench index (source and targets), no replicas on a single node. */
export const SHARDS = 4;

/** Which data set (`--data`). */
export type DatasetKind = "bench" | "small";
export const DATASET_KINDS: readonly DatasetKind[] = ["bench", "small"];

/** Bump when the small generator or its mapping changes. */
export const SMALL_DATASET_VERSION = 1;
export const SMALL_SEED = 0x5a11_2026;

/** What is known of one generated file. */
export interface DatasetInfo {
  /** Which generator made it. */
  kind: DatasetKind;
  version: number;
  seed: number;
  docs: number;
  /** Bytes of the `_source` lines alone (what "MB/s" divides). */
  sourceBytes: number;
  /** Bytes of the whole NDJSON file (action and source lines). */
  fileBytes: number;
  path: string;
}

/** The explicit mapping of every bench index; only types the bare es7 and os2 zips know. */
export function benchMappings(docs: number): Record<string, unknown> {
  const keyword = { type: "keyword" };
  return {
    _meta: { bench: { version: DATASET_VERSION, seed: SEED, docs } },
    dynamic: "strict",
    properties: {
      "@timestamp": { type: "date" },
      event: {
        properties: {
          id: keyword,
          kind: keyword,
          outcome: keyword,
          duration_ms: { type: "long" },
        },
      },
      service: {
        properties: { name: keyword, version: keyword, environment: keyword },
      },
      host: {
        properties: { name: keyword, ip: { type: "ip" }, region: keyword },
      },
      user: {
        properties: { id: keyword, name: keyword, roles: keyword },
      },
      http: {
        properties: {
          method: keyword,
          status: { type: "short" },
          path: keyword,
          bytes: { type: "long" },
          user_agent: { type: "text", fields: { raw: { type: "keyword", ignore_above: 256 } } },
        },
      },
      level: keyword,
      tags: keyword,
      title: { type: "text", fields: { raw: { type: "keyword", ignore_above: 256 } } },
      message: { type: "text" },
      metrics: {
        properties: {
          cpu: { type: "double" },
          memory_mb: { type: "integer" },
          latency_ms: { type: "float" },
          score: { type: "double" },
        },
      },
      items: {
        type: "nested",
        properties: {
          sku: keyword,
          name: { type: "text" },
          qty: { type: "integer" },
          price: { type: "double" },
        },
      },
      enabled: { type: "boolean" },
    },
  };
}

/** The explicit mapping of the small data set's indices. */
export function smallMappings(docs: number): Record<string, unknown> {
  return {
    _meta: {
      bench: { kind: "small", version: SMALL_DATASET_VERSION, seed: SMALL_SEED, docs },
    },
    dynamic: "strict",
    properties: {
      "@timestamp": { type: "date" },
      service: { type: "keyword" },
      duration_ms: { type: "integer" },
      message: { type: "text" },
    },
  };
}

/** Index settings and mappings for a bench index holding `docs` documents. */
export function benchIndexBody(docs: number): Record<string, unknown> {
  return {
    settings: { index: { number_of_shards: SHARDS, number_of_replicas: 0 } },
    mappings: benchMappings(docs),
  };
}

/** Index settings and mappings for an index holding the data set `data` (either kind). */
export function datasetIndexBody(
  data: Pick<DatasetInfo, "kind" | "docs">,
): Record<string, unknown> {
  if (data.kind === "bench") return benchIndexBody(data.docs);
  return {
    settings: { index: { number_of_shards: SHARDS, number_of_replicas: 0 } },
    mappings: smallMappings(data.docs),
  };
}

/** `bench-src` for the default million, `bench-src-100k` and the like for other sizes. */
export function sourceIndexName(docs: number): string {
  return docs === 1_000_000 ? "bench-src" : `bench-src-${shortCount(docs)}`;
}

/** The source index of a data set: {@link sourceIndexName}, or `bench-small-<size>`. */
export function datasetIndexName(kind: DatasetKind, docs: number): string {
  return kind === "bench" ? sourceIndexName(docs) : `bench-small-${shortCount(docs)}`;
}

function shortCount(docs: number): string {
  if (docs % 1_000_000 === 0) return `${docs / 1_000_000}m`;
  if (docs % 1000 === 0) return `${docs / 1000}k`;
  return String(docs);
}

// ---------------------------------------------------------------------------------------------
// Generator

/** mulberry32: small, fast, good enough for test data. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed for document `i` that differs well between neighbours. */
function docSeed(i: number, seed = SEED): number {
  let h = (seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

const WORDS = (
  "the a of to and in is for on with as by at from that this it be are was were not or but " +
  "request response service timeout retry cache miss hit latency upstream downstream gateway " +
  "cluster node shard replica index document query search filter aggregation bucket metric " +
  "user session token login logout password reset account profile order cart checkout payment " +
  "invoice refund shipment warehouse inventory product catalog price discount coupon review " +
  "rating customer support ticket priority severity incident alert warning error failure " +
  "success completed started stopped queued scheduled deployed rollback migration backup " +
  "restore snapshot volume disk memory cpu thread pool connection socket handshake certificate " +
  "expired renewed region zone datacenter network packet dropped slow fast healthy degraded " +
  "database table row column transaction commit lock deadlock replica lag sync async batch " +
  "stream event message topic partition offset consumer producer broker worker job task"
).split(" ");
const KINDS = ["event", "metric", "alert", "state", "pipeline_error"];
const OUTCOMES = ["success", "failure", "unknown"];
const SERVICES = [
  "cart",
  "search",
  "auth",
  "payments",
  "inventory",
  "shipping",
  "recommendations",
  "gateway",
  "notifications",
  "billing",
];
const ENVIRONMENTS = ["production", "staging", "development"];
const REGIONS = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-southeast-1"];
const FIRST = ["ada", "alan", "grace", "linus", "margaret", "ken", "barbara", "dennis", "frances"];
const LAST = ["lovelace", "turing", "hopper", "torvalds", "hamilton", "thompson", "liskov"];
const ROLES = ["admin", "editor", "viewer", "billing", "support", "ops"];
const METHODS = ["GET", "GET", "GET", "POST", "PUT", "DELETE", "PATCH"];
const STATUSES = [200, 200, 200, 200, 201, 204, 301, 304, 400, 401, 403, 404, 429, 500, 503];
const LEVELS = ["debug", "info", "info", "info", "warn", "error"];
const TAGS = ["web", "mobile", "api", "batch", "internal", "beta", "canary", "eu", "us", "pii"];
const AGENTS = [
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
  "curl/8.5.0",
  "okhttp/4.12.0",
  "python-requests/2.32.3",
];
const ID_CHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";
const BASE_TIME = Date.UTC(2026, 0, 1);

/** The `_id` and `_source` of document `i`. */
export function generateDocument(i: number): { id: string; source: Record<string, unknown> } {
  const random = mulberry32(docSeed(i));
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)];
  const words = (count: number) => {
    const out: string[] = [];
    for (let w = 0; w < count; w++) out.push(pick(WORDS));
    return out.join(" ");
  };
  const hex = (length: number) => {
    let out = "";
    for (let c = 0; c < length; c++) out += "0123456789abcdef"[Math.floor(random() * 16)];
    return out;
  };
  let suffix = "";
  for (let c = 0; c < 14; c++) suffix += ID_CHARS[Math.floor(random() * 64)];
  const id = i.toString(36).padStart(6, "0") + suffix;

  const roles: string[] = [];
  for (let r = int(1, 3); r > 0; r--) roles.push(pick(ROLES));
  const tags: string[] = [];
  for (let t = int(1, 4); t > 0; t--) tags.push(pick(TAGS));
  const items = [];
  for (let n = int(1, 3); n > 0; n--) {
    items.push({
      sku: `SKU-${int(10000, 99999)}`,
      name: words(int(2, 5)),
      qty: int(1, 12),
      price: Math.round(random() * 50000) / 100,
    });
  }
  const source: Record<string, unknown> = {
    "@timestamp": new Date(BASE_TIME + i * 2500 + int(0, 2499)).toISOString(),
    event: {
      id: hex(32),
      kind: pick(KINDS),
      outcome: pick(OUTCOMES),
      duration_ms: int(1, 120_000),
    },
    service: {
      name: pick(SERVICES),
      version: `${int(1, 4)}.${int(0, 20)}.${int(0, 9)}`,
      environment: pick(ENVIRONMENTS),
    },
    host: {
      name: `host-${int(1, 400).toString().padStart(3, "0")}`,
      ip: `10.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`,
      region: pick(REGIONS),
    },
    user: { id: `u${int(1, 250_000)}`, name: `${pick(FIRST)}.${pick(LAST)}`, roles },
    http: {
      method: pick(METHODS),
      status: pick(STATUSES),
      path: `/api/v${int(1, 3)}/${pick(SERVICES)}/${int(1, 999_999)}`,
      bytes: int(120, 2_500_000),
      user_agent: pick(AGENTS),
    },
    level: pick(LEVELS),
    tags,
    title: words(int(4, 9)),
    message: words(int(12, 45)),
    metrics: {
      cpu: Math.round(random() * 10000) / 100,
      memory_mb: int(64, 32768),
      latency_ms: Math.round(random() * 500000) / 1000,
      score: random(),
    },
    items,
    enabled: random() < 0.8,
  };
  return { id, source };
}

const SMALL_SERVICES = ["api", "auth", "billing", "cart", "search", "worker"];
const SMALL_MESSAGES = [
  "request completed",
  "request completed with warnings",
  "cache miss, loaded from the database",
  "user logged in",
  "user logged out",
  "session expired, token refreshed",
  "payment authorised",
  "job queued for retry after timeout",
  "connection reset by upstream",
  "health check passed",
];

/** The `_id` and `_source` of document `i` of the small data set (about 100–150 bytes). */
export function generateSmallDocument(i: number): { id: string; source: Record<string, unknown> } {
  const random = mulberry32(docSeed(i, SMALL_SEED));
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)];
  let suffix = "";
  for (let c = 0; c < 6; c++) suffix += ID_CHARS[Math.floor(random() * 64)];
  return {
    id: i.toString(36).padStart(6, "0") + suffix,
    source: {
      "@timestamp": new Date(BASE_TIME + i * 250 + Math.floor(random() * 250)).toISOString(),
      service: pick(SMALL_SERVICES),
      duration_ms: Math.floor(random() * 100_000),
      message: pick(SMALL_MESSAGES),
    },
  };
}

/** What tells the two data sets apart: generator, version, seed and file. */
function generatorOf(kind: DatasetKind) {
  return kind === "bench"
    ? {
      version: DATASET_VERSION,
      seed: SEED,
      generate: generateDocument,
      file: (docs: number) => `${BENCH_DIR}data-${docs}.ndjson`,
    }
    : {
      version: SMALL_DATASET_VERSION,
      seed: SMALL_SEED,
      generate: generateSmallDocument,
      file: (docs: number) => `${BENCH_DIR}data-small-${docs}.ndjson`,
    };
}

/**
 * The NDJSON file of `docs` documents (`_bulk` form, no `_index`), generated unless a file of
 * this version, seed and size is already there.
 */
export async function ensureDatasetFile(
  docs: number,
  kind: DatasetKind = "bench",
): Promise<DatasetInfo> {
  await Deno.mkdir(BENCH_DIR, { recursive: true });
  const generator = generatorOf(kind);
  const path = generator.file(docs);
  const metaPath = `${path}.meta.json`;
  try {
    const meta = JSON.parse(await Deno.readTextFile(metaPath)) as DatasetInfo;
    const stat = await Deno.stat(path);
    if (
      meta.version === generator.version && meta.seed === generator.seed && meta.docs === docs &&
      (meta.kind ?? "bench") === kind && stat.size === meta.fileBytes
    ) {
      log(`data set: reusing ${path} (${formatCount(docs)} documents, ${mb(meta.fileBytes)})`);
      return { ...meta, kind, path };
    }
  } catch {
    // Not there or unreadable: generate.
  }
  log(`data set: generating ${formatCount(docs)} documents into ${path}`);
  const started = performance.now();
  const encoder = new TextEncoder();
  const temporary = `${path}.tmp`;
  const file = await Deno.open(temporary, { create: true, write: true, truncate: true });
  let sourceBytes = 0;
  let fileBytes = 0;
  try {
    let parts: string[] = [];
    let pending = 0;
    const flush = async () => {
      let bytes = encoder.encode(parts.join(""));
      fileBytes += bytes.length;
      while (bytes.length > 0) bytes = bytes.subarray(await file.write(bytes));
      parts = [];
      pending = 0;
    };
    for (let i = 0; i < docs; i++) {
      const { id, source } = generator.generate(i);
      const text = JSON.stringify(source);
      sourceBytes += text.length; // ASCII only: characters are bytes
      const lines = `{"index":{"_id":"${id}"}}\n${text}\n`;
      parts.push(lines);
      pending += lines.length;
      if (pending >= 4 * 1024 * 1024) await flush();
      if ((i + 1) % 200_000 === 0) log(`  generated ${formatCount(i + 1)}`);
    }
    await flush();
  } finally {
    file.close();
  }
  await Deno.rename(temporary, path);
  const info: DatasetInfo = {
    kind,
    version: generator.version,
    seed: generator.seed,
    docs,
    sourceBytes,
    fileBytes,
    path,
  };
  await Deno.writeTextFile(metaPath, JSON.stringify(info, null, 2) + "\n");
  log(
    `data set: ${formatCount(docs)} documents, ${mb(sourceBytes)} of _source, in ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s`,
  );
  return info;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

// ---------------------------------------------------------------------------------------------
// Reading the file back

/** One `_bulk` body cut from the file at a document boundary. */
export interface NdjsonChunk {
  bytes: Uint8Array<ArrayBuffer>;
  docs: number;
}

/**
 * Reads a `_bulk`-form NDJSON file (two lines a document) in bodies of about `targetBytes`
 * each, cut after a document's source line. Reads in large blocks, no per-line work but a
 * newline scan.
 */
export async function* ndjsonChunks(
  path: string,
  targetBytes: number,
): AsyncGenerator<NdjsonChunk> {
  const file = await Deno.open(path, { read: true });
  try {
    let buffer = new Uint8Array(targetBytes * 2 + 4 * 1024 * 1024);
    let filled = 0;
    let scanned = 0; // bytes already scanned for newlines
    let lines = 0; // newlines seen in buffer[0..scanned]
    let boundary = 0; // end of the last complete document in the buffer
    let boundaryDocs = 0;
    let eof = false;
    for (;;) {
      if (!eof && filled < buffer.length) {
        const read = await file.read(buffer.subarray(filled));
        if (read === null) eof = true;
        else filled += read;
      }
      while (scanned < filled) {
        const newline = buffer.indexOf(10, scanned);
        if (newline < 0 || newline >= filled) {
          scanned = filled;
          break;
        }
        scanned = newline + 1;
        lines++;
        if (lines % 2 === 0) {
          boundary = scanned;
          boundaryDocs = lines / 2;
        }
      }
      const full = filled === buffer.length;
      if (boundary >= targetBytes || (eof && boundary > 0) || (full && boundary > 0)) {
        yield { bytes: buffer.slice(0, boundary), docs: boundaryDocs };
        buffer.copyWithin(0, boundary, filled);
        filled -= boundary;
        scanned -= boundary;
        lines -= boundaryDocs * 2;
        boundary = 0;
        boundaryDocs = 0;
        continue;
      }
      if (eof) {
        if (filled > 0) throw new Error(`${path} ends inside a document`);
        return;
      }
      if (full) {
        // One document larger than the buffer: grow it.
        const larger = new Uint8Array(buffer.length * 2);
        larger.set(buffer);
        buffer = larger;
      }
    }
  } finally {
    file.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Loading into the source cluster

/** Documents in an index after a refresh, or null when it does not exist. */
export async function countDocuments(url: string, index: string): Promise<number | null> {
  const refreshed = await fetch(`${url}/${index}/_refresh`, { method: "POST" });
  await refreshed.body?.cancel();
  if (refreshed.status === 404) return null;
  const response = await fetch(`${url}/${index}/_count`);
  if (response.status === 404) {
    await response.body?.cancel();
    return null;
  }
  const body = await response.json() as { count?: number };
  if (!response.ok || typeof body.count !== "number") {
    throw new Error(`GET ${url}/${index}/_count answered ${response.status}`);
  }
  return body.count;
}

/** The `_meta` of a bench index's mapping. */
interface BenchMeta {
  bench?: { kind?: DatasetKind; version?: number; seed?: number; docs?: number };
}

/** Whether a mapping's `_meta` names the data set `data` (no `kind`: the `bench` one). */
function namesDataset(meta: BenchMeta | undefined, data: DatasetInfo): boolean {
  const bench = meta?.bench;
  return bench !== undefined && (bench.kind ?? "bench") === data.kind &&
    bench.version === data.version && bench.seed === data.seed && bench.docs === data.docs;
}

/**
 * Makes sure `index` on the source holds exactly the data set: reused when its mapping names
 * this generator version and size and its count matches, else (re)created and loaded with
 * `_bulk` bodies of about 8 MB, three in flight.
 */
export async function ensureSourceIndex(
  url: string,
  index: string,
  data: DatasetInfo,
): Promise<{ reused: boolean; seconds: number }> {
  const started = performance.now();
  const mapping = await fetch(`${url}/${index}/_mapping`);
  if (mapping.ok) {
    const body = await mapping.json() as Record<string, { mappings?: { _meta?: BenchMeta } }>;
    const count = await countDocuments(url, index);
    if (namesDataset(body[index]?.mappings?._meta, data) && count === data.docs) {
      log(`source: reusing ${index} on ${url} (${formatCount(count)} documents)`);
      return { reused: true, seconds: 0 };
    }
    log(`source: ${index} on ${url} is not this data set (count ${count}); loading it again`);
  } else {
    await mapping.body?.cancel();
  }
  const deleted = await fetch(`${url}/${index}`, { method: "DELETE" });
  await deleted.body?.cancel();
  const body = datasetIndexBody(data);
  (body.settings as { index: Record<string, unknown> }).index.refresh_interval = "-1";
  await sendJson("PUT", `${url}/${index}`, body);

  log(`source: loading ${formatCount(data.docs)} documents into ${index} on ${url}`);
  let loaded = 0;
  let lastLog = performance.now();
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  for await (const chunk of ndjsonChunks(data.path, 8 * 1024 * 1024)) {
    if (failure) break;
    const sending = loadChunk(url, index, chunk.bytes).then(
      () => {
        loaded += chunk.docs;
        if (performance.now() - lastLog > 15_000) {
          lastLog = performance.now();
          const seconds = (lastLog - started) / 1000;
          log(
            `  loaded ${formatCount(loaded)} (${formatCount(loaded / seconds)} docs/s)`,
          );
        }
      },
      (error) => {
        failure ??= error;
      },
    ).finally(() => inFlight.delete(sending));
    inFlight.add(sending);
    if (inFlight.size >= 3) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure) throw failure;
  await sendJson("PUT", `${url}/${index}/_settings`, { index: { refresh_interval: null } });
  const count = await countDocuments(url, index);
  if (count !== data.docs) {
    throw new Error(`${index} on ${url} holds ${count} documents after loading ${data.docs}`);
  }
  const seconds = (performance.now() - started) / 1000;
  log(
    `source: loaded ${formatCount(count)} documents into ${index} in ${seconds.toFixed(1)} s ` +
      `(${formatCount(count / seconds)} docs/s)`,
  );
  return { reused: false, seconds };
}

/** Sends one body; pushed back (429, rejected items) means wait and send it all again. */
async function loadChunk(
  url: string,
  index: string,
  bytes: Uint8Array<ArrayBuffer>,
): Promise<void> {
  for (let attempt = 1;; attempt++) {
    const response = await fetch(
      `${url}/${index}/_bulk?filter_path=errors,items.*.error.type,items.*.status`,
      { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: bytes },
    );
    const text = await response.text();
    let retry = response.status === 429 || response.status >= 500;
    if (response.ok) {
      const body = JSON.parse(text) as {
        errors?: boolean;
        items?: Array<Record<string, { status?: number; error?: { type?: string } }>>;
      };
      if (!body.errors) return;
      const failed = (body.items ?? []).map((item) => Object.values(item)[0])
        .filter((item) => item?.error);
      retry = failed.every((item) => item.status === 429);
      if (!retry) {
        throw new Error(
          `loading ${index}: ${failed.length} documents refused, first: ${
            JSON.stringify(failed[0])
          }`,
        );
      }
    } else if (!retry) {
      throw new Error(`loading ${index}: ${response.status} ${text.slice(0, 500)}`);
    }
    if (attempt >= 10) throw new Error(`loading ${index}: still pushed back after 10 attempts`);
    await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
  }
}

/** How the split data set shares its documents out: six indices of unequal size. */
export const SPLIT_WEIGHTS = [30, 22, 16, 13, 11, 8] as const;

/** Names of the split data set's indices, e.g. `bench-dp-1m-1` … `-6` (`bench-dp-small-1m-1`…). */
export function splitIndexNames(docs: number, kind: DatasetKind = "bench"): string[] {
  const prefix = kind === "bench" ? "bench-dp" : `bench-dp-${kind}`;
  return SPLIT_WEIGHTS.map((_, i) => `${prefix}-${shortCount(docs)}-${i + 1}`);
}

/**
 * The same data set spread over {@link SPLIT_WEIGHTS} indices (for engines that spread by
 * index, such as Data Prepper's pipelines): each `_bulk` body of the file goes to the index
 * whose share is not full yet. Reused when every index names this data set and the counts add
 * up.
 */
export async function ensureSplitSourceIndices(
  url: string,
  data: DatasetInfo,
): Promise<string[]> {
  const names = splitIndexNames(data.docs, data.kind);
  let total = 0;
  let reusable = true;
  for (const name of names) {
    const mapping = await fetch(`${url}/${name}/_mapping`);
    if (!mapping.ok) {
      await mapping.body?.cancel();
      reusable = false;
      continue;
    }
    const body = await mapping.json() as Record<string, { mappings?: { _meta?: BenchMeta } }>;
    if (!namesDataset(body[name]?.mappings?._meta, data)) reusable = false;
    total += (await countDocuments(url, name)) ?? 0;
  }
  if (reusable && total === data.docs) {
    log(
      `source: reusing ${names[0]} … ${names[names.length - 1]} (${formatCount(total)} documents)`,
    );
    return names;
  }
  log(
    `source: loading ${formatCount(data.docs)} documents into ${names.length} indices ${
      names[0]
    } …`,
  );
  for (const name of names) {
    const deleted = await fetch(`${url}/${name}`, { method: "DELETE" });
    await deleted.body?.cancel();
    await sendJson("PUT", `${url}/${name}`, datasetIndexBody(data));
  }
  const weight = SPLIT_WEIGHTS.reduce((sum, w) => sum + w, 0);
  const shares = SPLIT_WEIGHTS.map((w) => Math.round((data.docs * w) / weight));
  let current = 0;
  let inCurrent = 0;
  for await (const chunk of ndjsonChunks(data.path, 8 * 1024 * 1024)) {
    while (current < names.length - 1 && inCurrent >= shares[current]) {
      current++;
      inCurrent = 0;
    }
    await loadChunk(url, names[current], chunk.bytes);
    inCurrent += chunk.docs;
  }
  for (const name of names) await countDocuments(url, name);
  return names;
}
