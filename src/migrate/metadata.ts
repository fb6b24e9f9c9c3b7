/**
 * The metadata step on its own (the original tool's `metadata` command): the same checks as a
 * run, then the plan's creations, journaled, with the journal's status set here as in a run.
 */
import { checkSourcePrivileges, checkTargetPrivileges } from "../cluster/privileges.ts";
import type { ClusterPair } from "../cluster/pair.ts";
import type { Journal } from "../journal/journal.ts";
import {
  continuesInPlace,
  loadRunJournal,
  runFiles,
  startRunJournal,
} from "../journal/run-journal.ts";
import {
  applyCreations,
  ApplyError,
  type ApplyOptions,
  type ApplyResult,
  CreationInterrupted,
} from "../metadata/apply.ts";
import type { MigrationPlan, PlanOptions } from "../metadata/types.ts";
import { isOlderTarget } from "../cluster/version.ts";
import {
  checkClusterPair,
  checkSelectionMatches,
  checkTargetNotOlder,
  olderTargetHint,
  olderTargetMessage,
} from "./checks.ts";

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

/**
 * What `plan` refuses as a run would, before showing anything: the source as target, an
 * Elasticsearch target (unless allowed), include patterns that match no index. An older target
 * is only warned about by `plan` ({@link olderTargetWarning}): the plan shows what a run with
 * `--allow-older-target` would do.
 */
export async function checkPlanRequest(
  clusters: ClusterPair,
  plan: MigrationPlan,
  options: PlanOptions,
  allowElasticsearchTarget: boolean,
): Promise<void> {
  const urls = { source: clusters.source.url, target: clusters.target.url };
  const info = { source: await clusters.source.info(), target: await clusters.target.info() };
  checkClusterPair(urls, info, allowElasticsearchTarget);
  checkSelectionMatches(plan, options);
}

/** Creates what the plan says on the target; the journal ends `completed`, or as the failure left it. */
export async function createPlanned(
  clusters: ClusterPair,
  plan: MigrationPlan,
  journal: Journal,
  keepOnFailure: boolean,
  control: Pick<ApplyOptions, "signal" | "onProgress"> = {},
): Promise<ApplyResult> {
  try {
    const result = await applyCreations(clusters.target, plan.creations, journal, {
      keepOnFailure,
      ...control,
    });
    await journal.finish("completed");
    return result;
  } catch (error) {
    await recordCreationFailure(journal, error);
    throw error;
  }
}

/**
 * Sets how a creation step that threw left its journal: rolled back, or failed; an interrupted
 * one stays running, so that `run` or `metadata` continues it.
 */
export async function recordCreationFailure(journal: Journal, error: unknown): Promise<void> {
  if (error instanceof CreationInterrupted) return;
  await journal.finish(error instanceof ApplyError && error.rolledBack ? "rolled-back" : "failed");
}

/**
 * What `plan` warns of when the target is older than the source (metadata and run refuse such a
 * pair); `undefined` when it is not.
 */
export async function olderTargetWarning(clusters: ClusterPair): Promise<string | undefined> {
  const info = { source: await clusters.source.info(), target: await clusters.target.info() };
  if (!isOlderTarget(info.source, info.target)) return undefined;
  const urls = { source: clusters.source.url, target: clusters.target.url };
  return `${
    olderTargetMessage(urls, info)
  }; metadata and run refuse this pair (${olderTargetHint()})`;
}

/** What the metadata step created, and where it journaled it (nothing when nothing to create). */
export interface MetadataStepResult extends Pick<ApplyResult, "created" | "transformations"> {
  journalPath?: string;
}

/**
 * Creates the plan's creations under the pair's run journal (`--journal`, else the one `run`
 * with the same endpoints keeps, so a later `run` continues it and one rollback undoes both);
 * creates nothing, and touches no journal, when there is nothing to.
 */
export async function createMetadata(
  clusters: ClusterPair,
  plan: MigrationPlan,
  options:
    & { journal?: string; keepOnFailure: boolean }
    & Pick<
      ApplyOptions,
      "signal" | "onProgress"
    >,
): Promise<MetadataStepResult> {
  if (plan.creations.length === 0) return { created: [], transformations: [] };
  const { source, target } = clusters;
  const indices = plan.creations.filter((c) => c.kind === "index").map(({ name }) => name);
  await checkSourcePrivileges(source, "read", indices);
  await checkTargetPrivileges(target, indices, { create: true, tune: false, refresh: false });
  const journalPath = options.journal ??
    runFiles({ sourceUrl: source.url, targetUrl: target.url }).journal;
  const previous = await loadRunJournal(journalPath, source.url, target.url);
  const journal = previous && continuesInPlace(previous)
    ? previous
    : (await startRunJournal(journalPath, previous, target.url)).journal;
  const { signal, onProgress } = options;
  const result = await createPlanned(clusters, plan, journal, options.keepOnFailure, {
    signal,
    onProgress,
  });
  return { created: result.created, transformations: result.transformations, journalPath };
}
