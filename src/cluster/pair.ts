/** Both clusters of a migration, opened and closed together. */
import { ClusterClient } from "./client.ts";
import type { MigrationEndpoints } from "../config/types.ts";

/** A client per side, closed together. */
export interface ClusterPair extends Disposable {
  source: ClusterClient;
  target: ClusterClient;
}

/** Opens one client per endpoint, each knowing its role so messages name the right flag. */
export function openClusters(endpoints: MigrationEndpoints): ClusterPair {
  const source = new ClusterClient(endpoints.source, { role: "source" });
  const target = new ClusterClient(endpoints.target, { role: "target" });
  return {
    source,
    target,
    [Symbol.dispose]() {
      source.close();
      target.close();
    },
  };
}
