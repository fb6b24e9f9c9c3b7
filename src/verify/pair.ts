/**
 * `verify` of a source and target pair: which indices (the plan's selection, or exactly those a
 * run's journal filled), their counts, checksums or samples compared, the report, and the
 * verdict (nothing selected, or anything differing, is a failure naming what and why).
 */
import type { ClusterClient } from "../cluster/client.ts";
import { openClusters } from "../cluster/pair.ts";
import type { MigrationEndpoints } from "../config/types.ts";
import { BadInputError, FetchMigrationError } from "../errors.ts";
import { checkJournalFlag, pathState } from "../journal/file-flags.ts";
import { Journal } from "../journal/journal.ts";
import { readPlan } from "../metadata/read-plan.ts";
import { planOptions, type SelectionFlags } from "../metadata/selection.ts";
import { buildReport, type ClusterSide, differCount, type VerifyReport } from "./report.ts";
import { selectFromJournal, selectFromPlan, type VerifySelection } from "./selection.ts";
import { verifyIndices, type VerifyOptions } from "./verify.ts";

/** What `verify` was asked. */
export interface VerifyPairOptions {
  selection: SelectionFlags;
  /** `--journal`: exactly the indices this run's backfill filled. */
  journal?: string;
  checksums: boolean;
  sample?: number;
  onProgress?: VerifyOptions["onProgress"];
}

/** The report, and the failure unless everything selected is equal. */
export async function verifyPair(
  endpoints: MigrationEndpoints,
  options: VerifyPairOptions,
): Promise<{ report: VerifyReport; failure?: FetchMigrationError }> {
  using clusters = openClusters(endpoints);
  const selection = options.journal
    ? await journalSelection(options.journal, clusters.source, clusters.target)
    : selectFromPlan(await readPlan(clusters, planOptions(options.selection, endpoints)));
  const results = await verifyIndices(clusters.source, clusters.target, selection.indices, {
    checksums: options.checksums,
    sample: options.sample,
    onProgress: options.onProgress,
  });
  const report = buildReport(
    await side(clusters.source),
    await side(clusters.target),
    [
      "counts",
      ...(options.checksums ? ["checksums" as const] : []),
      ...(options.sample ? ["sample" as const] : []),
    ],
    results,
    selection.notVerified,
  );
  if (report.indices.length === 0) {
    return {
      report,
      failure: new FetchMigrationError(
        "incomplete",
        `nothing verified: ${
          options.journal
            ? `the journal ${options.journal} names no index its backfill filled`
            : describeSelection(options.selection, endpoints)
        }`,
        options.journal
          ? "verify without --journal to check the indices the plan selects"
          : "run plan with the same selection to see where each index went, or name the " +
            "migrated indices with --include",
      ),
    };
  }
  if (report.status === "succeeded") return { report };
  const failed = results.filter((result) => result.status !== "ok").length;
  const countsDiffer = results.some((result) =>
    result.source_count !== null && result.target_count !== null &&
    result.source_count !== result.target_count
  );
  return {
    report,
    failure: new FetchMigrationError(
      "incomplete",
      `verification failed: ${differCount(failed, results.length)}`,
      countsDiffer
        ? "see the table above; documents written less than a refresh interval ago may not " +
          "be counted yet, so re-run once the target has refreshed before acting"
        : "see the table above",
    ),
  };
}

/**
 * Why nothing was selected, naming the selection in the words the user gave it: flags, then the
 * pipeline's regexes.
 */
function describeSelection(options: SelectionFlags, endpoints: MigrationEndpoints): string {
  const parts = [
    ...(options.include ?? []).map((glob) => `--include ${glob}`),
    ...(options.exclude ?? []).map((glob) => `--exclude ${glob}`),
  ];
  const { include, exclude } = endpoints.selection;
  if (include.length > 0) {
    parts.push(`the pipeline's indices.include (${include.join(", ")})`);
  }
  if (exclude.length > 0) {
    parts.push(`the pipeline's indices.exclude (${exclude.join(", ")})`);
  }
  return parts.length > 0
    ? `the selection ${parts.join(" ")} matches no index the migration would fill or has filled`
    : `the source ${endpoints.source.url} has no index the migration would fill or has filled`;
}

/** The journal's backfill indices, after checking the journal is about these two clusters. */
async function journalSelection(
  path: string,
  source: ClusterClient,
  target: ClusterClient,
): Promise<VerifySelection> {
  checkJournalFlag(path, await pathState("--journal", path), "read");
  let journal: Journal;
  try {
    journal = await Journal.load(path);
  } catch (error) {
    // The journal's own verdict (damaged, not a journal) already names the file and the fix.
    if (error instanceof FetchMigrationError) throw error;
    throw new BadInputError(
      `cannot read the journal ${path}: ${error instanceof Error ? error.message : error}`,
      "pass --journal FILE, the journal a `run --engine native` wrote (its path is printed " +
        "as `journal: ...`)",
    );
  }
  const selection = selectFromJournal(journal.data);
  if (!selection) {
    throw new BadInputError(
      `the journal ${path} has no backfill section: that run copied no documents with the ` +
        "native engine (metadata only, --createonly or --dryrun)",
      "verify without --journal to check the indices the plan selects",
    );
  }
  if (journal.data.target !== target.url) {
    throw new BadInputError(
      `the journal is for the target ${journal.data.target}, not ${target.url}`,
      "point --target (or the pipeline's sink) at the cluster the run filled",
    );
  }
  const journalSource = journal.data.backfill?.source;
  if (journalSource && journalSource !== source.url) {
    throw new BadInputError(
      `the journal is for the source ${journalSource}, not ${source.url}`,
      "point --source (or the pipeline's source) at the cluster the run read",
    );
  }
  return selection;
}

async function side(client: ClusterClient): Promise<ClusterSide> {
  const info = await client.info();
  return { url: client.url, distribution: info.distribution, version: info.version };
}
