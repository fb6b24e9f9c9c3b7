import type { ClusterClient } from "./client.ts";
import { redactUrl } from "../config/redact.ts";

/** A one-screen description of a cluster, as `info` prints it. */
export interface ClusterSummary {
  /** Base URL without credentials. */
  url: string;
  distribution: "elasticsearch" | "opensearch";
  version: string;
  clusterName: string;
  /** `green`, `yellow` or `red`. */
  health: string;
  /** Indices a migration would consider (names not starting with `.`). */
  indices: number;
  /** Indices left out of `indices`: system and hidden ones (names starting with `.`). */
  systemIndices: number;
}

interface CatIndexRow {
  index: string;
}

/** Reads version, health and index counts with three small requests. */
export async function readClusterSummary(client: ClusterClient): Promise<ClusterSummary> {
  const info = await client.info();
  const [health, rows] = await Promise.all([
    client.json<{ status: string }>("GET", "/_cluster/health"),
    // One request whatever the number of indices; only the name column is fetched.
    client.json<CatIndexRow[]>("GET", "/_cat/indices?format=json&h=index"),
  ]);
  const systemIndices = rows.filter((row) => row.index.startsWith(".")).length;
  return {
    url: redactUrl(client.url),
    distribution: info.distribution,
    version: info.version,
    clusterName: info.clusterName,
    health: health.status,
    indices: rows.length - systemIndices,
    systemIndices,
  };
}
