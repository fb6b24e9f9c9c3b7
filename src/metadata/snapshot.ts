/**
 * Reads everything the metadata step compares from one cluster, with a fixed number of requests
 * whatever the number of indices: never a URL listing index names (the original tool built one
 * and failed on large clusters).
 */
import type { ClusterClient } from "../cluster/client.ts";
import type { ClusterInfo } from "../cluster/version.ts";
import { errorReason } from "../cluster/errors.ts";
import type {
  AliasDefinition,
  ClusterSnapshot,
  DataStreamMetadata,
  IndexMetadata,
  TemplateMetadata,
} from "./types.ts";

interface CatIndexRow {
  index: string;
  health?: string;
  status?: string;
  /** Bytes of the primary shards (`bytes=b`); absent or null for a closed index. */
  "pri.store.size"?: string | null;
}

type PerIndex<T> = Record<string, T>;

/** The primary shards' size of a `_cat/indices` row, when the cluster gave one. */
function primaryBytes(row: CatIndexRow): number | undefined {
  const size = Number(row["pri.store.size"] ?? NaN);
  return Number.isFinite(size) ? size : undefined;
}

/** Whether the cluster has component and composable index templates (ES 7.8+, OpenSearch). */
export function hasComposableTemplates(info: ClusterInfo): boolean {
  return info.distribution === "opensearch" || info.major > 7 ||
    (info.major === 7 && info.minor >= 8);
}

/**
 * Reads indices (settings, mappings, aliases, health, state, document counts) and templates.
 * With `refreshUnrefreshed` (the target), an open index with refreshes off that counts no
 * document is refreshed and counted again: a run killed while loading it with refreshes off
 * leaves documents no search sees, and the plan must not call it empty.
 */
export async function readSnapshot(
  client: ClusterClient,
  { refreshUnrefreshed = false }: { refreshUnrefreshed?: boolean } = {},
): Promise<ClusterSnapshot> {
  const info = await client.info();
  // ES 6 refuses expand_wildcards on _cat/indices; it lists every index without it anyway.
  const catPath = "/_cat/indices?format=json&bytes=b&h=index,health,status,pri.store.size" +
    (info.distribution === "elasticsearch" && info.major < 7 ? "" : "&expand_wildcards=all");
  const [
    rows,
    settings,
    mappings,
    aliases,
    counts,
    templates,
    dataStreams,
    pipelines,
    processors,
  ] = await Promise.all([
    client.json<CatIndexRow[]>("GET", catPath),
    client.json<PerIndex<{ settings: Record<string, unknown> }>>(
      "GET",
      "/_all/_settings?expand_wildcards=all&flat_settings=true",
    ),
    client.json<PerIndex<{ mappings?: Record<string, unknown> }>>(
      "GET",
      "/_all/_mapping?expand_wildcards=all",
    ),
    client.json<PerIndex<{ aliases?: Record<string, AliasDefinition> }>>(
      "GET",
      "/_all/_alias?expand_wildcards=all",
    ),
    readDocumentCounts(client),
    readTemplates(client, info),
    readDataStreams(client, info),
    readPipelines(client),
    readProcessors(client),
  ]);
  // The reads above run at once: an index made or deleted meanwhile is in some answers only.
  const vanished = await readIndicesMissedByAnswers(client, rows, { settings, mappings, aliases });
  const indices: IndexMetadata[] = rows.filter((row) => !vanished.has(row.index)).map((row) => ({
    name: row.index,
    settings: settings[row.index]?.settings ?? {},
    mappings: mappings[row.index]?.mappings ?? {},
    aliases: aliases[row.index]?.aliases ?? {},
    ...(isHealth(row.health) ? { health: row.health } : {}),
    state: row.status === "close" ? "close" : "open",
    documents: counts.get(row.index) ?? 0,
    ...(primaryBytes(row) === undefined ? {} : { primaryBytes: primaryBytes(row) }),
  }));
  indices.sort((a, b) => a.name.localeCompare(b.name));
  if (refreshUnrefreshed) await countUnrefreshed(client, indices);
  return {
    url: client.url,
    version: {
      distribution: info.distribution,
      version: info.version,
      major: info.major,
      minor: info.minor,
    },
    indices,
    templates,
    dataStreams,
    pipelines,
    ...(processors ? { processors } : {}),
  };
}

/**
 * Fills in, one index at a time, the settings, mappings and aliases of listed indices that the
 * whole-cluster answers lacked (an index created while they were read; read as empty, a source
 * index would be created without its definition and a target one judged conflicting). Returns
 * the listed indices that are gone (deleted meanwhile). Usually there are none, and no request.
 */
async function readIndicesMissedByAnswers(
  client: ClusterClient,
  rows: CatIndexRow[],
  answers: {
    settings: PerIndex<{ settings: Record<string, unknown> }>;
    mappings: PerIndex<{ mappings?: Record<string, unknown> }>;
    aliases: PerIndex<{ aliases?: Record<string, AliasDefinition> }>;
  },
): Promise<Set<string>> {
  const vanished = new Set<string>();
  const missed = rows.filter(({ index }) =>
    !answers.settings[index] || !answers.mappings[index] || !answers.aliases[index]
  );
  for (const { index } of missed) {
    // A concrete name: no wildcard to expand, closed and hidden indices answer as they are.
    const reads = [
      ["_settings", { flat_settings: "true" }],
      ["_mapping", undefined],
      ["_alias", undefined],
    ] as const;
    for (const [part, query] of reads) {
      const path = `/${encodeURIComponent(index)}/${part}`;
      const response = await client.request<
        PerIndex<{
          settings?: Record<string, unknown>;
          mappings?: Record<string, unknown>;
          aliases?: Record<string, AliasDefinition>;
        }>
      >("GET", path, {
        query,
        idempotent: true,
      });
      if (response.status === 404) {
        vanished.add(index);
        break;
      }
      if (response.status < 200 || response.status >= 300) {
        throw client.httpError("GET", path, response, query);
      }
      const own = response.body?.[index];
      if (part === "_settings") answers.settings[index] = { settings: own?.settings ?? {} };
      if (part === "_mapping") answers.mappings[index] = { mappings: own?.mappings ?? {} };
      if (part === "_alias") answers.aliases[index] = { aliases: own?.aliases ?? {} };
    }
  }
  return vanished;
}

/** Ingest pipelines by id; a cluster without any answers 404 with `{}`. */
async function readPipelines(
  client: ClusterClient,
): Promise<Record<string, Record<string, unknown>>> {
  const response = await client.request<Record<string, Record<string, unknown>>>(
    "GET",
    "/_ingest/pipeline",
    { idempotent: true },
  );
  if (response.status === 404) return {};
  if (response.status < 200 || response.status >= 300) {
    throw client.httpError("GET", "/_ingest/pipeline", response);
  }
  return response.body ?? {};
}

/** The processor types every ingest node of the cluster has; undefined when none says. */
async function readProcessors(client: ClusterClient): Promise<string[] | undefined> {
  const answer = await client.json<{
    nodes?: Record<string, { ingest?: { processors?: Array<{ type: string }> } }>;
  }>("GET", "/_nodes/ingest", undefined, { idempotent: true });
  const lists = Object.values(answer.nodes ?? {})
    .filter((node) => node.ingest !== undefined)
    .map((node) => (node.ingest?.processors ?? []).map(({ type }) => type));
  if (lists.length === 0) return undefined;
  return lists[0].filter((type) => lists.every((list) => list.includes(type))).sort();
}

interface DataStreamRow {
  name: string;
  timestamp_field?: { name?: string } | string;
  indices?: Array<{ index_name: string }>;
  template?: string;
  hidden?: boolean;
  system?: boolean;
}

/**
 * The data streams (Elasticsearch 7.9+, every OpenSearch), backing indices oldest first. A
 * cluster without the data-stream module (the Elasticsearch distributions of the tests) answers
 * `_data_stream` as an index name: that is no data streams, not an error.
 */
async function readDataStreams(
  client: ClusterClient,
  info: ClusterInfo,
): Promise<DataStreamMetadata[]> {
  const supported = info.distribution === "opensearch" || info.major > 7 ||
    (info.major === 7 && info.minor >= 9);
  if (!supported) return [];
  const response = await client.request<{ data_streams?: DataStreamRow[] }>(
    "GET",
    "/_data_stream",
    { idempotent: true },
  );
  if (response.status === 400 || response.status === 404) return [];
  // Secured and without the module, the same request is refused as reading an index so named.
  if (response.status === 403 && readsIndexNamedDataStream(response.body)) return [];
  if (response.status < 200 || response.status >= 300) {
    throw client.httpError("GET", "/_data_stream", response);
  }
  const data_streams = response.body?.data_streams ?? [];
  return data_streams.map((row) => ({
    name: row.name,
    timestampField: typeof row.timestamp_field === "string"
      ? row.timestamp_field
      : row.timestamp_field?.name ?? "@timestamp",
    indices: (row.indices ?? []).map((index) => index.index_name),
    ...(row.template ? { template: row.template } : {}),
    ...(row.hidden || row.system || row.name.startsWith(".") ? { system: true } : {}),
  })).sort((a, b) => a.name.localeCompare(b.name));
}

function readsIndexNamedDataStream(body: unknown): boolean {
  const reason = errorReason(body) ?? "";
  return reason.includes("action [indices:admin/get]") && reason.includes("[_data_stream]");
}

/** See {@link readSnapshot}: refreshes the empty-looking indices with refreshes off, recounts. */
async function countUnrefreshed(client: ClusterClient, indices: IndexMetadata[]): Promise<void> {
  const unrefreshed = indices.filter((index) =>
    index.state === "open" && index.documents === 0 &&
    String(index.settings["index.refresh_interval"]) === "-1"
  );
  if (unrefreshed.length === 0) return;
  for (let at = 0; at < unrefreshed.length; at += REFRESH_GROUP) {
    const names = unrefreshed.slice(at, at + REFRESH_GROUP).map((index) => index.name);
    // A user without the right to refresh gets the count as it was.
    await client.request("POST", `/${names.map(encodeURIComponent).join(",")}/_refresh`, {
      query: { ignore_unavailable: "true" },
      idempotent: true,
    }).catch(() => undefined);
  }
  const counts = await readDocumentCounts(client);
  for (const index of unrefreshed) index.documents = counts.get(index.name) ?? 0;
}

// Names per refresh request: a URL well under the 4 KB request line some proxies allow.
const REFRESH_GROUP = 50;

function isHealth(value: unknown): value is "green" | "yellow" | "red" {
  return value === "green" || value === "yellow" || value === "red";
}

/**
 * Top-level document counts of every open index in one search: a terms aggregation on `_index`
 * counts hits, so nested documents (which `_cat/indices` includes) are not counted.
 */
async function readDocumentCounts(client: ClusterClient): Promise<Map<string, number>> {
  const response = await client.json<{
    aggregations?: { per_index?: { buckets: Array<{ key: string; doc_count: number }> } };
  }>(
    "POST",
    "/_all/_search?ignore_unavailable=true&allow_no_indices=true&expand_wildcards=open",
    {
      size: 0,
      aggs: { per_index: { terms: { field: "_index", size: 65_000 } } },
    },
  );
  return new Map(
    (response.aggregations?.per_index?.buckets ?? []).map((
      bucket,
    ) => [bucket.key, bucket.doc_count]),
  );
}

async function readTemplates(
  client: ClusterClient,
  info: ClusterInfo,
): Promise<TemplateMetadata[]> {
  const legacy = await client.json<PerIndex<Record<string, unknown>>>("GET", "/_template");
  const templates: TemplateMetadata[] = Object.entries(legacy).map(([name, body]) => ({
    name,
    kind: "legacy",
    body,
  }));
  if (hasComposableTemplates(info)) {
    const [component, composable] = await Promise.all([
      client.json<
        {
          component_templates: Array<{ name: string; component_template: Record<string, unknown> }>;
        }
      >(
        "GET",
        "/_component_template",
      ),
      client.json<
        { index_templates: Array<{ name: string; index_template: Record<string, unknown> }> }
      >(
        "GET",
        "/_index_template",
      ),
    ]);
    for (const entry of component.component_templates ?? []) {
      templates.push({ name: entry.name, kind: "component", body: entry.component_template });
    }
    for (const entry of composable.index_templates ?? []) {
      templates.push({ name: entry.name, kind: "index", body: entry.index_template });
    }
  }
  return templates.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}

/** Names of the plugins a cluster runs (for rules that need one, such as k-NN). */
export async function readPlugins(client: ClusterClient): Promise<string[]> {
  const rows = await client.json<Array<{ component: string }>>(
    "GET",
    "/_cat/plugins?format=json&h=component",
  );
  return [...new Set(rows.map((row) => row.component))].sort();
}
