/** Which product and version a cluster runs, read from what it answers. Pure. */

/** Product and version of a cluster. */
export interface ClusterInfo {
  distribution: "elasticsearch" | "opensearch";
  /** Full version, e.g. "7.10.2". */
  version: string;
  major: number;
  minor: number;
  patch: number;
  clusterName: string;
  /** `cluster_uuid` of `GET /`, when given: tells two URLs of one cluster apart from two. */
  clusterUuid?: string;
  /** Elasticsearch's `default` or `oss`; absent on OpenSearch. */
  buildFlavor?: string;
  /**
   * OpenSearch answering `GET /` as Elasticsearch 7.10.2 for old clients
   * (`compatibility.override_main_response_version`, OpenSearch 1.x). Until the real version
   * is read from `_nodes`, `version` is that pretend number.
   */
  compatibilityMode?: true;
}

/** Where a node's own version is read when `GET /` does not tell it. */
export const NODES_INFO_PATH =
  "/_nodes/_local?filter_path=cluster_name,nodes.*.version,nodes.*.build_flavor";

function splitVersion(version: string): Pick<ClusterInfo, "major" | "minor" | "patch"> {
  const [major, minor, patch] = version.split(/[.-]/).map((part) => Number.parseInt(part, 10));
  if (!Number.isInteger(major)) throw new Error(`unreadable version "${version}"`);
  return { major, minor: minor || 0, patch: patch || 0 };
}

/**
 * Reads the body of `GET /`. OpenSearch says `version.distribution: "opensearch"`, also in its
 * compatibility mode where `version.number` pretends to be 7.10.2; Elasticsearch has no
 * distribution field.
 */
export function parseRootInfo(body: unknown): ClusterInfo {
  const root = body as {
    cluster_name?: string;
    cluster_uuid?: string;
    version?: {
      number?: string;
      distribution?: string;
      build_flavor?: string;
      minimum_wire_compatibility_version?: string;
    };
  };
  const number = root?.version?.number;
  if (typeof number !== "string") {
    throw new Error(
      "the answer to GET / has no version.number; is this Elasticsearch or OpenSearch?",
    );
  }
  const opensearch = root.version?.distribution === "opensearch";
  const parts = splitVersion(number);
  return {
    distribution: opensearch ? "opensearch" : "elasticsearch",
    version: number,
    ...parts,
    clusterName: root.cluster_name ?? "",
    ...(root.cluster_uuid && root.cluster_uuid !== "_na_"
      ? { clusterUuid: root.cluster_uuid }
      : {}),
    ...(root.version?.build_flavor ? { buildFlavor: root.version.build_flavor } : {}),
    // OpenSearch numbers its own releases 1.x to 3.x; a 7.x is the Elasticsearch costume.
    ...(opensearch && parts.major === 7 ? { compatibilityMode: true as const } : {}),
  };
}

/**
 * Reads the answer to {@link NODES_INFO_PATH}, the fallback when `GET /` is refused (a user
 * without the monitor privilege, or a node without the module that serves `/`). Elasticsearch reports a build flavor, and 7.14+ also sends the
 * `X-Elastic-Product` header; OpenSearch does neither.
 */
export function parseNodesInfo(body: unknown, elasticHeader: boolean): ClusterInfo {
  const nodes = (body as { nodes?: Record<string, { version?: string; build_flavor?: string }> })
    ?.nodes;
  const node = nodes ? Object.values(nodes)[0] : undefined;
  if (!node?.version) throw new Error("the answer to GET /_nodes/_local names no version");
  const elastic = elasticHeader || node.build_flavor !== undefined;
  return {
    distribution: elastic ? "elasticsearch" : "opensearch",
    version: node.version,
    ...splitVersion(node.version),
    clusterName: (body as { cluster_name?: string }).cluster_name ?? "",
    ...(node.build_flavor ? { buildFlavor: node.build_flavor } : {}),
  };
}

/**
 * The real version of an OpenSearch node in compatibility mode, from its `_nodes` answer; the
 * distribution stays the one `GET /` named.
 */
export function withNodesVersion(info: ClusterInfo, nodesBody: unknown): ClusterInfo {
  const real = parseNodesInfo(nodesBody, false);
  return {
    ...info,
    version: real.version,
    major: real.major,
    minor: real.minor,
    patch: real.patch,
  };
}

/**
 * Whether the cluster offers point-in-time search: Elasticsearch 7.10+ outside the OSS flavor,
 * OpenSearch 2.4+.
 */
export function supportsPointInTime(info: ClusterInfo): boolean {
  if (info.distribution === "opensearch") {
    return info.major > 2 || (info.major === 2 && info.minor >= 4);
  }
  return info.buildFlavor !== "oss" && (info.major > 7 || (info.major === 7 && info.minor >= 10));
}

/**
 * Whether `target` runs an older release than `source` of the same product (by major and minor;
 * patch releases do not change what a definition may hold). Elasticsearch and OpenSearch number
 * their releases apart, so a pair of the two products is never called older; nor is a cluster
 * whose real version is hidden behind OpenSearch's compatibility mode.
 */
export function isOlderTarget(source: ClusterInfo, target: ClusterInfo): boolean {
  if (source.distribution !== target.distribution) return false;
  const hidden = (info: ClusterInfo) => info.compatibilityMode && info.major === 7;
  if (hidden(source) || hidden(target)) return false;
  return target.major < source.major ||
    (target.major === source.major && target.minor < source.minor);
}
