/** Top-level document counts of one index on one cluster (for the run flow and verify). */
import type { ClusterClient } from "./client.ts";

/**
 * `GET /<index>/_count`: top-level documents only (`_cat/indices` would count nested ones too),
 * as searches see them now (no refresh: verify changes nothing). `null` when the index does not
 * exist; any other error status throws.
 */
export async function countDocuments(client: ClusterClient, index: string): Promise<number | null> {
  const path = `/${encodeURIComponent(index)}/_count`;
  const response = await client.request<{ count?: number; error?: { type?: string } }>(
    "GET",
    path,
    { idempotent: true },
  );
  if (response.status === 404 && response.body?.error?.type === "index_not_found_exception") {
    return null;
  }
  if (response.status < 200 || response.status >= 300 || typeof response.body?.count !== "number") {
    throw client.httpError("GET", path, response);
  }
  return response.body.count;
}
