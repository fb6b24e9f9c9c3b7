/** Reads both clusters and builds the migration plan from what they hold now. */
import type { ClusterPair } from "../cluster/pair.ts";
import { buildPlan } from "./plan.ts";
import { readPlugins, readSnapshot } from "./snapshot.ts";
import type { MigrationPlan, PlanOptions } from "./types.ts";

/** Snapshots of source and target (and the target's plugins), compared into a plan. */
export async function readPlan(
  clusters: Pick<ClusterPair, "source" | "target">,
  options: PlanOptions,
): Promise<MigrationPlan> {
  const [source, target, plugins] = await Promise.all([
    readSnapshot(clusters.source),
    readSnapshot(clusters.target, { refreshUnrefreshed: true }),
    readPlugins(clusters.target),
  ]);
  return buildPlan(source, target, options, plugins);
}
