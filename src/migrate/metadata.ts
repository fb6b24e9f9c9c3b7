/**
 * The metadata step on its own (the original tool's `metadata` command): the same checks as a
 * run, then the plan's creations, journaled, with the journal's status set here as in a run.
 */
import type { ClusterPair } from "../cluster/pair.ts";
import type { Journal } from "../journal/journal.ts";
import { applyCreations, ApplyError, type ApplyResult } from "../metadata/apply.ts";
import type { MigrationPlan, PlanOptions } from "../metadata/types.ts";
import { checkClusterPair, checkSelectionMatches, checkTargetNotOlder } from "./checks.ts";

/**
 * Refuses what a run refuses before it changes anything: the source as target, an
 * Elasticsearch target (unless allowed), a target older than the source (unless allowed),
 * include patterns that match no index.
 */
export async function checkMetadataStep(
  clusters: ClusterPair,
  plan: MigrationPlan,
  options: PlanOptions,
  allowElasticsearchTarget: boolean,
  allowOlderTarget = false,
): Promise<void> {
  const urls = { source: clusters.source.url, target: clusters.target.url };
  const info = { source: await clusters.source.info(), target: await clusters.target.info() };
  checkClusterPair(urls, info, allowElasticsearchTarget);
  checkTargetNotOlder(urls, info, allowOlderTarget);
  checkSelectionMatches(plan, options);
}

/** Creates what the plan says on the target; the journal ends `completed`, or as the failure left it. */
export async function createPlanned(
  clusters: ClusterPair,
  plan: MigrationPlan,
  journal: Journal,
  keepOnFailure: boolean,
): Promise<ApplyResult> {
  try {
    const result = await applyCreations(clusters.target, plan.creations, journal, {
      keepOnFailure,
    });
    await journal.finish("completed");
    return result;
  } catch (error) {
    await journal.finish(
      error instanceof ApplyError && error.rolledBack ? "rolled-back" : "failed",
    );
    throw error;
  }
}
