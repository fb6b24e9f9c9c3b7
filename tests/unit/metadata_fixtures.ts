/**
 * Literal snapshots shaped like what ES 6.8, ES 7.10 and OpenSearch 2.19 return for
 * `GET /_all/_settings?flat_settings=true`, `GET /_all/_mapping`, `GET /_all/_alias` and the
 * template APIs, for the metadata unit tests.
 */
import type {
  ClusterSnapshot,
  ClusterVersion,
  DataStreamMetadata,
  IndexMetadata,
  TemplateMetadata,
} from "../../src/metadata/types.ts";
import type { RuleContext } from "../../src/metadata/transform/rule.ts";

/** A cluster's version as the metadata code sees it: major and minor read off `version`. */
function clusterVersion(
  distribution: ClusterVersion["distribution"],
  version: string,
): ClusterVersion {
  const [major, minor] = version.split(".").map(Number);
  return { distribution, version, major, minor };
}

export const ES5 = clusterVersion("elasticsearch", "5.6.16");
export const ES6 = clusterVersion("elasticsearch", "6.8.23");
export const ES7 = clusterVersion("elasticsearch", "7.10.2");
export const ES8 = clusterVersion("elasticsearch", "8.19.2");
export const OS1 = clusterVersion("opensearch", "1.3.20");
export const OS2 = clusterVersion("opensearch", "2.19.1");
export const OS26 = clusterVersion("opensearch", "2.6.0");
export const OS3 = clusterVersion("opensearch", "3.1.0");

/** Rule context for a pair of clusters. */
export function context(
  source: ClusterVersion,
  target: ClusterVersion = OS2,
  targetPlugins: string[] = [],
): RuleContext {
  return { source, target, targetPlugins };
}

/** What every cluster adds to an index's flat settings by itself. */
function own(name: string, created: string): Record<string, string> {
  return {
    "index.creation_date": "1714000000000",
    "index.provided_name": name,
    "index.uuid": `uuid-${name}-${created}`,
    "index.version.created": created,
  };
}

/** An index as ES 6.8 returns it: mappings under a type, 5 shards by default. */
export function es6Index(
  name: string,
  extra: Partial<IndexMetadata> & { type?: string } = {},
): IndexMetadata {
  const { type = "_doc", ...rest } = extra;
  return {
    name,
    settings: {
      ...own(name, "6082399"),
      "index.number_of_replicas": "1",
      "index.number_of_shards": "5",
    },
    mappings: {
      [type]: {
        properties: {
          message: { type: "text", fields: { raw: { type: "keyword", ignore_above: 256 } } },
          user: { properties: { id: { type: "keyword" } } },
          at: { type: "date" },
        },
      },
    },
    aliases: {},
    health: "yellow",
    state: "open",
    documents: 5,
    ...rest,
  };
}

/** The mappings of {@link es6Index} as ES 7 / OpenSearch return them (typeless). */
export const TYPELESS = {
  properties: {
    message: { type: "text", fields: { raw: { type: "keyword", ignore_above: 256 } } },
    user: { properties: { id: { type: "keyword" } } },
    at: { type: "date" },
  },
};

/** An index as ES 7.10 returns it: typeless, with the tier preference 7.10 adds by itself. */
export function es7Index(name: string, extra: Partial<IndexMetadata> = {}): IndexMetadata {
  return {
    name,
    settings: {
      ...own(name, "7100299"),
      "index.number_of_replicas": "1",
      "index.number_of_shards": "1",
      "index.routing.allocation.include._tier_preference": "data_content",
    },
    mappings: TYPELESS,
    aliases: {},
    health: "green",
    state: "open",
    documents: 10,
    ...extra,
  };
}

/**
 * An index as OpenSearch 2.19 returns it after this tool created it from an ES 6 or ES 7 index
 * of {@link TYPELESS} mappings: nested settings of its own, `replication.type` added.
 */
export function os2Index(name: string, extra: Partial<IndexMetadata> = {}): IndexMetadata {
  return {
    name,
    settings: {
      index: {
        creation_date: "1714000000001",
        number_of_replicas: "1",
        number_of_shards: "1",
        provided_name: name,
        replication: { type: "DOCUMENT" },
        uuid: `os-${name}`,
        version: { created: "136407927" },
      },
    },
    mappings: TYPELESS,
    aliases: {},
    health: "green",
    state: "open",
    documents: 0,
    ...extra,
  };
}

/** A legacy template for `<name>-*` with these mappings. */
function legacyTemplate(name: string, mappings: Record<string, unknown>): TemplateMetadata {
  return {
    name,
    kind: "legacy",
    body: {
      order: 1,
      index_patterns: [`${name}-*`],
      settings: { index: { number_of_shards: "1" } },
      mappings,
      aliases: {},
    },
  };
}

/** A fresh mapping of one keyword field, `host` (each template gets its own object). */
const hostMapping = () => ({ properties: { host: { type: "keyword" } } });

/** A legacy template as ES 6.8 returns it. */
export function es6LegacyTemplate(name: string): TemplateMetadata {
  return legacyTemplate(name, { _doc: hostMapping() });
}

/** The same legacy template as OpenSearch 2.19 returns it after this tool created it. */
export function os2LegacyTemplate(name: string): TemplateMetadata {
  return legacyTemplate(name, hostMapping());
}

/** An empty snapshot of a cluster. */
export function snapshot(
  url: string,
  version: ClusterVersion,
  indices: IndexMetadata[] = [],
  templates: TemplateMetadata[] = [],
  dataStreams: DataStreamMetadata[] = [],
): ClusterSnapshot {
  return { url, version, indices, templates, dataStreams };
}
