import { type Command, InvalidArgumentError } from "../deps.ts";
import { Journal } from "../journal/journal.ts";
import {
  buildReport,
  type ClusterSide,
  differCount,
  formatChecksumProgress,
  formatVerifyText,
} from "../verify/report.ts";
import { MAX_SAMPLE } from "../verify/sample.ts";
import { selectFromJournal, selectFromPlan, type VerifySelection } from "../verify/selection.ts";
import { Throttle } from "../verify/throttle.ts";
import { verifyIndices } from "../verify/verify.ts";
import type { ClusterClient } from "../cluster/client.ts";
import { openClusters } from "../cluster/pair.ts";
import { readPlan } from "../metadata/read-plan.ts";
import { BadInputError, FetchMigrationError } from "../errors.ts";
import type { MigrationEndpoints } from "../config/types.ts";
import {
  addEndpointOptions,
  type EndpointOptionValues,
  resolveEndpoints,
} from "./endpoint-options.ts";
import { checkJournalFlag, pathState } from "./file-flags.ts";
import { printHuman, printJson, printSummary } from "./output.ts";
import {
  addSelectionOptions,
  planOptions,
  type SelectionOptionValues,
} from "./selection-options.ts";

type VerifyOptionValues = EndpointOptionValues & SelectionOptionValues & {
  journal?: string;
  checksums?: boolean;
  sample?: number;
  json?: boolean;
};

/** Seconds between two progress lines of a long check. */
const PROGRESS_EVERY_MS = 5_000;

function sampleSize(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0 || value > MAX_SAMPLE) {
    throw new InvalidArgumentError(
      `expected a whole number from 1 to ${MAX_SAMPLE}, got "${text}"`,
    );
  }
  return value;
}

/** Registers `verify`: prove the target holds the source's documents; changes nothing. */
export function registerVerify(program: Command): void {
  addSelectionOptions(
    addEndpointOptions(
      program
        .command("verify")
        .description(
          "prove the target holds what the source holds: document counts per index (always), " +
            "every document by _id, routing and _source (--checksums), or a random sample " +
            "(--sample N); changes nothing. Exit 1 when anything differs, or when the selection " +
            "leaves no index to verify.\n" +
            "Indices: those the plan would migrate or already did (create, identical_empty, " +
            "identical), or with --journal exactly those a run's backfill filled.\n" +
            "Verify does not refresh the target: documents written less than a refresh " +
            "interval ago (1s by default, longer when tuned) may not be counted yet.",
        )
        .option("--journal <file>", "verify exactly the indices this run's backfill filled")
        .option(
          "--checksums",
          "compare every document (reads both sides in full, twice when something differs)",
        )
        .option(
          "--sample <n>",
          `compare n random source documents per index (at most ${MAX_SAMPLE})`,
          sampleSize,
        )
        .option("--json", "print the result as JSON on stdout"),
    ),
    { templates: false },
  ).action(async (options: VerifyOptionValues) => {
    if (options.journal && (options.include?.length || options.exclude?.length)) {
      throw new BadInputError(
        "--include/--exclude do not apply with --journal, which names the indices itself",
        "leave out --journal to verify the indices the plan selects",
      );
    }
    const endpoints = await resolveEndpoints(options);
    using clusters = openClusters(endpoints);
    const selection = options.journal
      ? await journalSelection(options.journal, clusters.source, clusters.target)
      : selectFromPlan(await readPlan(clusters, planOptions(options, endpoints)));

    const throttle = new Throttle(PROGRESS_EVERY_MS);
    const results = await verifyIndices(clusters.source, clusters.target, selection.indices, {
      checksums: !!options.checksums,
      sample: options.sample,
      onProgress: (progress) => {
        if (throttle.ready()) printSummary(formatChecksumProgress(progress));
      },
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
    // A passing table is a summary (-q hides it); a failing one explains the error below it.
    (report.ok ? printSummary : printHuman)(formatVerifyText(report));
    if (options.json) printJson(report);
    if (report.indices.length === 0) {
      throw new FetchMigrationError(
        "incomplete",
        `nothing verified: ${
          options.journal
            ? `the journal ${options.journal} names no index its backfill filled`
            : describeSelection(options, endpoints)
        }`,
        options.journal
          ? "verify without --journal to check the indices the plan selects"
          : "run plan with the same selection to see where each index went, or name the " +
            "migrated indices with --include",
      );
    }
    if (!report.ok) {
      const failed = results.filter((result) => result.status !== "ok").length;
      const countsDiffer = results.some((result) =>
        result.source_count !== null && result.target_count !== null &&
        result.source_count !== result.target_count
      );
      throw new FetchMigrationError(
        "incomplete",
        `verification failed: ${differCount(failed, results.length)}`,
        countsDiffer
          ? "see the table above; documents written less than a refresh interval ago may not " +
            "be counted yet, so re-run once the target has refreshed before acting"
          : "see the table above",
      );
    }
  });
}

/**
 * Why nothing was selected, naming the selection in the words the user gave it: flags, then the
 * pipeline's regexes.
 */
function describeSelection(options: VerifyOptionValues, endpoints: MigrationEndpoints): string {
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
