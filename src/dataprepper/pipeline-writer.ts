/**
 * Writes the Data Prepper pipeline file that copies the plan's indices: from the user's pipeline
 * (every other key and every comment kept, through the `yaml` Document API) or, when the
 * clusters came from flags, from the endpoints. What it sets follows the notes (sections 2–3):
 *
 * - source: exactly the migrating indices as full-match regexes, `\..*` excluded, pages of 1000,
 *   `acknowledgments: true`, and `search_context_type: scroll` where Data Prepper's own choice
 *   (point in time) is missing or unsafe: OpenSearch before 2.5, Elasticsearch `oss` or before
 *   7.10, and Elasticsearch 8+ (point in time sorts on `_id`, which 8.x refuses);
 * - sink: each document to its own index with its own id, refused documents to a `dlq_file`;
 * - pipeline: a `bounded_blocking` buffer larger than a page, 2 workers, no delay.
 *
 * With K pipelines the indices are split by document count and each pipeline gets its own
 * dead-letter file. Elasticsearch 6 and older are refused. Credentials and TLS keys stay as the
 * input had them; no secret appears anywhere but in the returned text. Pure.
 */
import {
  Document,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  type YAMLMap,
  type YamlNode,
  type YAMLSeq,
} from "../deps.ts";
import { BadInputError } from "../errors.ts";
import type { ClusterInfo } from "../cluster/version.ts";
import { parsePipelineYaml } from "../config/pipeline.ts";
import { exactIndexRegex } from "../config/pipeline-output.ts";
import type { AuthConfig, EndpointConfig, MigrationEndpoints } from "../config/types.ts";
import { pipelineSeriesPrefix } from "./prometheus.ts";

export { pipelineSeriesPrefix };

/** Search page size, and the buffer's batch: the buffer must hold at least one page. */
export const SEARCH_BATCH_SIZE = 1000;
export const BUFFER_SIZE = 10_000;
export const WORKERS = 2;

/** System and hidden-by-name indices, never copied (Data Prepper lists them otherwise). */
const SYSTEM_INDICES = "\\..*";
/** Top-level keys of a pipeline file that are not pipelines. */
const RESERVED_KEYS = new Set(["version", "pipeline_configurations", "extension"]);

/** What the pipeline file is written from. */
export interface PipelineWriterInput {
  /**
   * The pipeline the endpoints came from: its text, its path or `INLINE_PIPELINE` for messages,
   * and in a file of several pipelines the one to rewrite (the others are left out of the
   * output, or Data Prepper would run them too). Absent when the endpoints came from flags.
   */
  original?: { text: string; origin: string; pipeline?: string };
  /**
   * The endpoints, used when there is no `original`. CA files are written as paths
   * (`tls.caSource`), which the caller makes absolute.
   */
  endpoints?: { source: EndpointConfig; target: EndpointConfig };
  /** The indices to copy, each with its document count (the split balances by it). */
  indices: Record<string, number>;
  /** The source cluster, as detected. */
  source: ClusterInfo;
  /** Name of the pipeline (with K > 1: `<name>-1` … `<name>-K`). */
  pipelineName: string;
  /** Absolute path of the dead-letter file; with K > 1 each pipeline gets `<base>-<i><ext>`. */
  dlqPath: string;
  /** Pipelines to split the indices into (default 1); capped at the number of indices. */
  pipelines?: number;
}

/** One pipeline of the written file. */
export interface WrittenPipeline {
  name: string;
  /** Its metrics' prefix, e.g. `fetch_migration_1`. */
  seriesPrefix: string;
  /** The indices it copies, sorted. */
  indices: string[];
  /** Documents of those indices. */
  documents: number;
  dlqFile: string;
}

/** The pipeline file's text (it holds credentials) and what each pipeline in it copies. */
export interface PipelineFile {
  text: string;
  pipelines: WrittenPipeline[];
  /** `scroll` when the source's search context is forced, else `undefined` (auto, PIT). */
  searchContextType?: "scroll";
}

/**
 * Splits indices into at most `k` disjoint lists of about the same number of documents: the
 * largest index first, each into the list holding the fewest documents so far (ties: the one
 * with fewer indices, then the first; equal sizes: by name). `k` is capped at the number of indices, so no list is empty; no
 * indices give no lists. Each list is sorted by name.
 */
export function splitBySize(indices: Record<string, number>, k: number): string[][] {
  if (!Number.isInteger(k) || k < 1) {
    throw new BadInputError(
      `the number of Data Prepper pipelines must be a whole number of at least 1, not ${k}`,
    );
  }
  const entries = Object.entries(indices).sort(([nameA, a], [nameB, b]) =>
    b - a || (nameA < nameB ? -1 : nameA > nameB ? 1 : 0)
  );
  const count = Math.min(k, entries.length);
  const lists: string[][] = Array.from({ length: count }, () => []);
  const loads = new Array<number>(count).fill(0);
  for (const [name, documents] of entries) {
    // Least documents, then fewest indices: empty indices spread too, and no list stays empty.
    let least = 0;
    for (let i = 1; i < count; i++) {
      if (
        loads[i] < loads[least] ||
        (loads[i] === loads[least] && lists[i].length < lists[least].length)
      ) least = i;
    }
    lists[least].push(name);
    loads[least] += Math.max(0, documents) || 0;
  }
  return lists.map((list) => list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The `search_context_type` Data Prepper must be told for this source: `scroll` where its own
 * choice (point in time) is missing or unsafe, `undefined` to leave it to auto-detection.
 * Elasticsearch 6 and older are refused: Data Prepper's source does not read them (notes 2.2).
 */
export function searchContextFor(source: ClusterInfo): "scroll" | undefined {
  if (source.distribution === "opensearch") {
    // In compatibility mode an OpenSearch 1.x answers as 7.10.2, and Data Prepper would pick PIT.
    if (source.compatibilityMode) return "scroll";
    return source.major < 2 || (source.major === 2 && source.minor < 5) ? "scroll" : undefined;
  }
  if (source.major < 7) {
    throw new BadInputError(
      `Data Prepper cannot copy from Elasticsearch ${source.version}: its opensearch source ` +
        "reads Elasticsearch 7 and later and OpenSearch only",
      "copy this source with the native engine: --engine native",
    );
  }
  if (source.major >= 8) return "scroll"; // PIT sorts on _id, whose fielddata 8.x disallows
  // A missing flavor is read as the unsafe one: scroll works on every version.
  if (source.buildFlavor !== "default") return "scroll";
  return source.minor < 10 ? "scroll" : undefined;
}

/** The dead-letter file of pipeline `index` (1-based) of `count`: `/a/dlq.ndjson` → `/a/dlq-2.ndjson`. */
export function dlqFileFor(dlqPath: string, index: number, count: number): string {
  if (count === 1) return dlqPath;
  const slash = dlqPath.lastIndexOf("/");
  const dot = dlqPath.lastIndexOf(".");
  return dot > slash + 1
    ? `${dlqPath.slice(0, dot)}-${index}${dlqPath.slice(dot)}`
    : `${dlqPath}-${index}`;
}

/** Writes the pipeline file's text; see the module comment for what it sets. */
export function writePipelineYaml(input: PipelineWriterInput): PipelineFile {
  const searchContextType = searchContextFor(input.source);
  if (!input.dlqPath.startsWith("/")) {
    throw new BadInputError(
      `the dead-letter file ${input.dlqPath} must be an absolute path: Data Prepper resolves ` +
        "relative paths from its own working directory",
    );
  }
  if (input.pipelineName === "" || RESERVED_KEYS.has(input.pipelineName)) {
    throw new BadInputError(
      `"${input.pipelineName}" cannot name a Data Prepper pipeline: ` +
        "it is empty or a key Data Prepper reserves (version, pipeline_configurations, extension)",
      "give another pipeline name",
    );
  }
  const lists = splitBySize(input.indices, input.pipelines ?? 1);
  if (lists.length === 0) throw new Error("writePipelineYaml: no index to copy");

  const origin = input.original?.origin ?? "flags";
  const text = input.original
    ? onlyPipeline(input.original.text, origin, input.original.pipeline)
    : skeletonFromEndpoints(input);
  const parsed = parsePipelineYaml(text, origin);
  const document = parseDocument(text);
  const sourcePath = renamePlugin(document, parsed.source.nodePath);
  const sinkPath = renamePlugin(document, parsed.target.nodePath);
  const serverless = parsed.source.auth.kind === "sigv4" && parsed.source.auth.service === "aoss";
  const scroll = serverless ? undefined : searchContextType;

  const root = document.contents as YAMLMap;
  const at = root.items.findIndex((pair) => keyOf(pair.key) === parsed.pipelineName);
  const originalPair = root.items[at];
  const template = originalPair.value as YAMLMap;
  const pipelines: WrittenPipeline[] = [];
  const pairs = lists.map((indices, i) => {
    const name = lists.length === 1 ? input.pipelineName : `${input.pipelineName}-${i + 1}`;
    const dlqFile = dlqFileFor(input.dlqPath, i + 1, lists.length);
    const node = (i === lists.length - 1 ? template : template.clone()) as YAMLMap;
    configurePipeline(document, node, {
      sourcePath: sourcePath.slice(1),
      sinkPath: sinkPath.slice(1),
      indices,
      dlqFile,
      scroll,
    });
    pipelines.push({
      name,
      seriesPrefix: pipelineSeriesPrefix(name),
      indices,
      documents: indices.reduce((total, index) => total + (input.indices[index] ?? 0), 0),
      dlqFile,
    });
    if (i === 0 && isScalar(originalPair.key)) {
      // The first keeps the original key node, and with it the comments above it.
      originalPair.key.value = name;
      return document.createPair(originalPair.key, node);
    }
    return document.createPair(name, node);
  });
  root.items.splice(at, 1, ...pairs);

  const header = ` Data Prepper pipeline written by fetch-migration from ${
    origin === "flags" ? "the --source/--target flags" : origin
  }.\n It holds credentials: keep it readable by its owner only.`;
  document.commentBefore = document.commentBefore
    ? `${header}\n\n${document.commentBefore}`
    : header;
  return {
    text: document.toString({ flowCollectionPadding: false }),
    pipelines,
    ...(scroll ? { searchContextType: scroll } : {}),
  };
}

interface PipelineSettings {
  /** Paths inside the pipeline node. */
  sourcePath: Array<string | number>;
  sinkPath: Array<string | number>;
  indices: string[];
  dlqFile: string;
  scroll: "scroll" | undefined;
}

/** Sets the buffer, the source and the sink of one pipeline node, in place. */
function configurePipeline(document: Document, pipeline: YAMLMap, settings: PipelineSettings) {
  pipeline.flow = false;
  setBefore(document, pipeline, "workers", WORKERS, "source");
  setBefore(document, pipeline, "delay", 0, "source");
  setBefore(document, pipeline, "buffer", {
    bounded_blocking: { buffer_size: BUFFER_SIZE, batch_size: SEARCH_BATCH_SIZE },
  }, "source");

  const source = blockMapAt(pipeline, settings.sourcePath);
  const include = settings.indices.map((name) => exactIndexRegex(name));
  // A dot-name is never planned for copy; should one be, excluding dot-names would drop it.
  const exclude = settings.indices.some((name) => name.startsWith(".")) ? [] : [SYSTEM_INDICES];
  const indices = document.createNode(
    exclude.length > 0 ? { include: [], exclude: [] } : { include: [] },
  ) as YAMLMap;
  for (const [key, regexes] of [["include", include], ["exclude", exclude]] as const) {
    const list = indices.get(key, true);
    // Single quotes: the backslashes stay literal, and no name reads as a YAML 1.1 boolean.
    for (const regex of regexes) {
      (list as YAMLSeq | undefined)?.add(
        document.createNode({ index_name_regex: singleQuoted(document, regex) }),
      );
    }
  }
  source.set("indices", indices);
  const existing: unknown = source.get("search_options", true);
  const searchOptions = isMap(existing) ? existing : document.createNode({}) as YAMLMap;
  if (searchOptions !== existing) source.set("search_options", searchOptions);
  searchOptions.flow = false;
  searchOptions.set("batch_size", SEARCH_BATCH_SIZE);
  if (settings.scroll) searchOptions.set("search_context_type", settings.scroll);
  source.set("acknowledgments", true);

  const sink = blockMapAt(pipeline, settings.sinkPath);
  // Ours to set; `document_id_field` and an S3 `dlq` would conflict with what is set below.
  for (const key of ["index", "document_id", "document_id_field", "dlq", "dlq_file"]) {
    sink.delete(key);
  }
  sink.add(
    document.createPair("index", singleQuoted(document, '${getMetadata("opensearch-index")}')),
  );
  sink.add(
    document.createPair(
      "document_id",
      singleQuoted(document, '${getMetadata("opensearch-document_id")}'),
    ),
  );
  const dlqKey = document.createNode("dlq_file");
  dlqKey.commentBefore = [
    " routing: '${getMetadata(\"opensearch-document_routing\")}'",
    " Data Prepper 2.16 sets no routing metadata (it comes after 2.16), so documents are routed",
    " by their _id here; documents with a custom routing on the source may land on other shards.",
  ].join("\n");
  sink.add(document.createPair(dlqKey, settings.dlqFile));
}

/**
 * `text` with only pipeline `name` (and the file's non-pipeline keys); `text` itself when no
 * name is given or it is not a YAML map (the parser then says what is wrong).
 */
function onlyPipeline(text: string, origin: string, name: string | undefined): string {
  if (name === undefined) return text;
  const document = parseDocument(text);
  const root = document.contents;
  if (document.errors.length > 0 || !isMap(root)) return text;
  const isPipeline = (key: unknown) => typeof key === "string" && !RESERVED_KEYS.has(key);
  const names = root.items.map((pair) => keyOf(pair.key)).filter(isPipeline);
  if (!names.includes(name)) {
    throw new BadInputError(
      `${origin} has no pipeline named "${name}" (it holds: ${names.join(", ") || "none"})`,
    );
  }
  root.items = root.items.filter((pair) => {
    const key = keyOf(pair.key);
    return !isPipeline(key) || key === name;
  });
  return document.toString();
}

/**
 * Data Prepper's opensearch source takes no client certificate, and its sink reads the key file
 * itself (`authentication.client_certificate`/`client_key`), so it cannot be an encrypted one.
 */
function checkClientCertificates(endpoints: MigrationEndpoints): void {
  if (endpoints.source.tls.clientCert) {
    throw new BadInputError(
      "Data Prepper cannot present a client certificate to the source: its opensearch source " +
        "has no such option",
      "copy with the native engine (--engine native), or give Data Prepper a user and password " +
        "for the source",
    );
  }
  const target = endpoints.target.tls.clientCert;
  if (target?.keyEncrypted) {
    throw new BadInputError(
      `Data Prepper reads the target's client key ${target.keyPath} itself, and it is encrypted`,
      `give Data Prepper an unencrypted copy (openssl pkey -in ${target.keyPath} -out ` +
        "client-key.pem, kept private), or copy with the native engine (--engine native)",
    );
  }
}

/** The pipeline as flags describe it, to be configured like a file. */
function skeletonFromEndpoints(input: PipelineWriterInput): string {
  if (!input.endpoints) {
    throw new Error("writePipelineYaml: neither a pipeline text nor endpoints were given");
  }
  const { source, target } = input.endpoints;
  const sourcePlugin: Record<string, unknown> = {
    hosts: [source.url],
    ...authKeys(source.auth, "source"),
  };
  const sourceCa = caPath(source, "source");
  if (source.tls.insecure || sourceCa) {
    sourcePlugin.connection = {
      ...(source.tls.insecure ? { insecure: true } : {}),
      ...(sourceCa ? { cert: sourceCa } : {}),
    };
  }
  const targetCa = caPath(target, "target");
  const sinkAuth = authKeys(target.auth, "target");
  if (target.tls.clientCert) {
    const authentication = (sinkAuth.authentication ?? {}) as Record<string, unknown>;
    sinkAuth.authentication = {
      ...authentication,
      client_certificate: absolute(target.tls.clientCert.certPath),
      client_key: absolute(target.tls.clientCert.keyPath),
    };
  }
  const sinkPlugin: Record<string, unknown> = {
    hosts: [target.url],
    ...sinkAuth,
    ...(target.tls.insecure ? { insecure: true } : {}),
    ...(targetCa ? { cert: targetCa } : {}),
  };
  const document = new Document({
    [input.pipelineName]: {
      source: { opensearch: sourcePlugin },
      sink: [{ opensearch: sinkPlugin }],
    },
  });
  for (const path of [["source", "opensearch", "hosts"], ["sink", 0, "opensearch", "hosts"]]) {
    const hosts = document.getIn([input.pipelineName, ...path], true);
    if (isSeq(hosts)) hosts.flow = true;
  }
  quoteStrings(document.contents);
  return document.toString();
}

/**
 * An endpoint's credentials as Data Prepper's keys: basic as `authentication`, none as
 * `disable_authentication: true` (a source key; the sink has none and needs nothing), SigV4 as
 * `aws`. Data Prepper has no API key authentication.
 */
function authKeys(auth: AuthConfig, role: "source" | "target"): Record<string, unknown> {
  switch (auth.kind) {
    case "basic":
      return { authentication: { username: auth.username, password: auth.password } };
    case "none":
      return role === "source" ? { disable_authentication: true } : {};
    case "sigv4":
      return {
        aws: {
          region: auth.region,
          ...(auth.roleArn ? { sts_role_arn: auth.roleArn } : {}),
          ...(auth.service === "aoss" ? { serverless: true } : {}),
        },
      };
    case "apiKey":
      throw new BadInputError(
        `Data Prepper cannot log in to the ${role} with an API key: its opensearch plugins ` +
          "take a user and password, or AWS SigV4",
        "give a user and password for Data Prepper, or copy with the native engine: --engine native",
      );
  }
}

/** `path` from the working directory: Data Prepper resolves paths from its own. */
function absolute(path: string): string {
  return path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
}

/** The CA file of an endpoint from flags, if it has one; a CA known only as PEM text is refused. */
function caPath(endpoint: EndpointConfig, role: "source" | "target"): string | undefined {
  if (!endpoint.tls.caCerts?.length) return undefined;
  const path = endpoint.tls.caSource;
  if (path === undefined || path.endsWith("(inline certificate)")) {
    throw new BadInputError(
      `Data Prepper needs the ${role}'s CA certificate as a file, and it was given inline`,
      `pass it as a file: --${role}-ca FILE`,
    );
  }
  return path;
}

/**
 * Renames an `elasticsearch` plugin key to `opensearch` (Data Prepper's only plugin of the kind,
 * the original Fetch Migration accepted both) and returns the plugin's path.
 */
function renamePlugin(document: Document, path: Array<string | number>): Array<string | number> {
  const last = path[path.length - 1];
  if (last !== "elasticsearch") return path;
  const parent = document.getIn(path.slice(0, -1), true);
  if (isMap(parent)) {
    const pair = parent.items.find((item) => keyOf(item.key) === last);
    if (pair && isScalar(pair.key)) pair.key.value = "opensearch";
  }
  return [...path.slice(0, -1), "opensearch"];
}

/** The map at `path` below `node`, each collection on the way written in block style. */
function blockMapAt(node: YAMLMap, path: Array<string | number>): YAMLMap {
  let current: unknown = node;
  for (const step of path) {
    if (!isMap(current) && !isSeq(current)) break;
    current.flow = false;
    current = (current as YAMLMap | YAMLSeq).get(step, true);
  }
  if (!isMap(current)) throw new Error(`writePipelineYaml: no map at ${path.join(".")}`);
  current.flow = false;
  return current;
}

/** Sets `key` where it is, or inserts it before `before` (at the end when that is missing). */
function setBefore(
  document: Document,
  map: YAMLMap,
  key: string,
  value: unknown,
  before: string,
): void {
  const existing: unknown = map.get(key, true);
  if (isScalar(existing) && (value === null || typeof value !== "object")) {
    existing.value = value; // keeps the comments around it
    return;
  }
  if (map.has(key)) {
    const node = document.createNode(value);
    if (isScalar(existing) || isMap(existing) || isSeq(existing)) node.comment = existing.comment;
    map.set(key, node);
    return;
  }
  const at = map.items.findIndex((pair) => keyOf(pair.key) === before);
  const pair = document.createPair(key, value);
  if (at < 0) {
    map.items.push(pair);
    return;
  }
  const first = map.items[0]?.key;
  if (at === 0 && map.commentBefore && isScalar(first)) {
    // A comment above the map's first key belongs to that key: keep it above it.
    first.commentBefore = first.commentBefore
      ? `${map.commentBefore}\n${first.commentBefore}`
      : map.commentBefore;
    map.commentBefore = undefined;
  }
  map.items.splice(at, 0, pair);
}

/**
 * Double-quotes every string value below `node`: Data Prepper reads YAML 1.1, where a plain
 * `yes`, `on` or `0777` password or user would not be the string it was.
 */
function quoteStrings(node: unknown): void {
  if (isMap(node)) {
    for (const pair of node.items) quoteStrings(pair.value);
  } else if (isSeq(node)) {
    for (const item of node.items) quoteStrings(item);
  } else if (isScalar(node) && typeof node.value === "string") {
    node.type = "QUOTE_DOUBLE";
  }
}

function singleQuoted(document: Document, text: string): YamlNode {
  const node = document.createNode(text);
  if (isScalar(node)) node.type = "QUOTE_SINGLE";
  return node;
}

function keyOf(key: unknown): unknown {
  return isScalar(key) ? key.value : key;
}

/**
 * What a pipeline is written from: the user's pipeline (a file or `INLINE_PIPELINE`, as read),
 * whose keys and comments are kept, else the endpoints of the flags, their CA files made
 * absolute (Data Prepper reads them from its own working directory).
 */
export function writerPipelineOf(
  endpoints: MigrationEndpoints,
  pipelineName: string,
): Pick<PipelineWriterInput, "original" | "endpoints" | "pipelineName"> {
  const { origin, pipelineText } = endpoints;
  checkClientCertificates(endpoints);
  if (pipelineText !== undefined) {
    return {
      original: { text: pipelineText, origin, pipeline: endpoints.pipelineName },
      pipelineName,
    };
  }
  const withAbsoluteCa = (endpoint: EndpointConfig): EndpointConfig => {
    const path = endpoint.tls.caSource;
    if (path === undefined || path.startsWith("/") || path.endsWith("(inline certificate)")) {
      return endpoint;
    }
    return { ...endpoint, tls: { ...endpoint.tls, caSource: `${Deno.cwd()}/${path}` } };
  };
  return {
    endpoints: {
      source: withAbsoluteCa(endpoints.source),
      target: withAbsoluteCa(endpoints.target),
    },
    pipelineName,
  };
}
