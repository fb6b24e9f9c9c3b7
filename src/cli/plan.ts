/**
 * `plan`: maps the flags, prints the plan (text or JSON), and with `--split N --out DIR` has the
 * Data Prepper files written (src/dataprepper/split-files.ts) and says what each holds.
 */
import type { Command } from "../deps.ts";
import { formatCount } from "../backfill/progress.ts";
import { readSplitDirectory, writeSplitFiles } from "../dataprepper/split-files.ts";
import type { Split } from "../dataprepper/split.ts";
import { BadInputError } from "../errors.ts";
import { migratingIndices } from "../metadata/plan.ts";
import { formatPlanText, planToJson } from "../metadata/report.ts";
import { readPlan } from "../metadata/read-plan.ts";
import { checkPlanRequest, olderTargetWarning } from "../migrate/metadata.ts";
import type { MigrationPlan } from "../metadata/types.ts";
import { openClusters } from "../cluster/pair.ts";
import { plural } from "../text.ts";
import {
  addEndpointOptions,
  type EndpointOptionValues,
  onePipelineName,
  resolveEndpoints,
} from "./endpoint-options.ts";
import { HELP_GROUPS, inGroup } from "./help.ts";
import { positiveInteger } from "./option-parsers.ts";
import { isVerbose, printHuman, printJson, printSummary } from "./output.ts";
import { printVerdict, type Verdict } from "./verdict.ts";
import { addSelectionOptions, type SelectionOptionValues } from "./selection-options.ts";
import { planOptions } from "../metadata/selection.ts";

type PlanOptionValues = EndpointOptionValues & SelectionOptionValues & {
  allowElasticsearchTarget?: boolean;
  allowOlderTarget?: boolean;
  json?: boolean;
  jsonDetail?: boolean;
  split?: number;
  out?: string;
};

/** Registers `plan`: compare source and target and print the report; changes nothing. */
export function registerPlan(program: Command): void {
  const command = program
    .command("plan")
    .summary("show what a migration would do, or split it for Data Prepper")
    .description(
      "compare source and target and print what a migration would do; changes nothing on " +
        "either cluster. With --split N --out DIR: write N Data Prepper pipeline files, one " +
        "per Data Prepper node, that copy disjoint sets of the plan's indices balanced by size",
    );
  inGroup(command, "Split for Data Prepper:", () =>
    command
      .option(
        "--split <n>",
        "write DIR/pipeline-1.yaml ... DIR/pipeline-N.yaml (with --out), each one pipeline " +
          "copying its share of the indices (at most one file per index)",
        positiveInteger,
      )
      .option(
        "--out <dir>",
        "directory for the --split files and their dead-letter files: new, empty, or holding " +
          "only an earlier split's pipeline files (replaced)",
      ));
  addSelectionOptions(command);
  addEndpointOptions(command, { pipelineName: onePipelineName("plan"), pair: true });
  inGroup(command, HELP_GROUPS.output, () =>
    command
      .option("--json", "print the plan (with --split: the files) as JSON on stdout")
      .option(
        "--json-detail",
        "as --json, with every list (identical, excluded, each template's decision) and the " +
          "definitions the target would be sent",
      ));
  command.action(async (options: PlanOptionValues) => {
    if ((options.split === undefined) !== (options.out === undefined)) {
      throw new BadInputError(
        options.split === undefined
          ? "--out DIR names where --split N writes its files, and --split is missing"
          : "--split N writes files, and --out DIR, where to write them, is missing",
        "give both, e.g. --split 3 --out ./pipelines",
      );
    }
    // Checked before the clusters are read: a directory that cannot take the files fails fast.
    const split = options.out === undefined ? undefined : await readSplitDirectory(options.out);
    const endpoints = await resolveEndpoints(options);
    using clusters = openClusters(endpoints);
    const selection = planOptions(options, endpoints);
    const plan = await readPlan(clusters, selection);
    await checkPlanRequest(clusters, plan, selection, !!options.allowElasticsearchTarget);
    const warning = options.allowOlderTarget ? undefined : await olderTargetWarning(clusters);
    if (warning) printHuman(`warning: ${warning}`);
    if (split) {
      const indices = Object.fromEntries(
        migratingIndices(plan).map((name) => [name, plan.documents.per_index[name] ?? 0]),
      );
      const files = await writeSplitFiles(
        endpoints,
        await clusters.source.info(),
        indices,
        options.split!,
        split,
      );
      if (options.json || options.jsonDetail) printJson(splitJson(split.path, files));
      report(split.path, files, plan);
    } else if (options.json || options.jsonDetail) {
      printJson({
        status: "succeeded",
        ...planToJson(plan, { detail: !!options.jsonDetail }),
      });
    } // The default report; -q leaves it out (--json is the quiet way to get the plan).
    else printSummary(formatPlanText(plan, { all: isVerbose() }));
    printVerdict(planVerdict(plan));
  });
}

/** What a run would do, in one line; a plan changes nothing, so it is never a failure. */
function planVerdict(plan: MigrationPlan): Verdict {
  const migrating = migratingIndices(plan);
  const documents = migrating.reduce((sum, name) => sum + (plan.documents.per_index[name] ?? 0), 0);
  const blocked = plan.indices.conflicting.length + plan.indices.unsupported.length +
    plan.indices.unhealthy.length;
  return {
    ok: true,
    text: `a run would migrate ${plural(migrating.length, "index")} (` +
      `${plan.indices.create.length} to create), ${plural(documents, "document")}` +
      (blocked > 0 ? `; ${plural(blocked, "index")} cannot be migrated as they are` : "") +
      "; nothing was changed",
  };
}

function splitJson(directory: string, split: Split): Record<string, unknown> {
  return {
    status: "succeeded",
    directory,
    files: split.files.map(({ file, pipeline }) => ({
      path: `${directory}/${file}`,
      pipeline: pipeline.name,
      indices: pipeline.indices,
      document_count: pipeline.documents,
      dlq_file: pipeline.dlqFile,
    })),
    document_count: split.files.reduce((sum, { pipeline }) => sum + pipeline.documents, 0),
    ...(split.note ? { note: split.note } : {}),
  };
}

/** What each file holds, what the split leaves out, and what to run next. */
function report(directory: string, split: Split, plan: MigrationPlan): void {
  if (split.note) printHuman(`note: ${split.note}`);
  let total = 0;
  for (const { file, pipeline } of split.files) {
    total += pipeline.documents;
    printHuman(
      `${directory}/${file}: pipeline ${pipeline.name}, ` +
        `${plural(pipeline.indices.length, "index")}, ${formatCount(pipeline.documents)} ` +
        `documents: ${pipeline.indices.join(", ")}`,
    );
  }
  const templates = Object.values(plan.templates).flatMap((buckets) => buckets.create).length;
  const toCreate = plan.indices.create.length + templates;
  if (toCreate > 0) {
    printHuman(
      `${plural(plan.indices.create.length, "index")}` +
        (templates > 0 ? ` and ${plural(templates, "template")}` : "") +
        ` of the plan ${toCreate === 1 ? "is" : "are"} not on the target yet: create them ` +
        "first, with `fetch-migration run --createonly` and the same endpoints and selection " +
        "(Data Prepper would create indices with mappings guessed from the documents)",
    );
  }
  const partial = plan.indices.partially_filled.map(({ name }) => name);
  if (partial.length > 0) {
    printHuman(
      `left out, partially filled on the target: ${partial.join(", ")} (\`fetch-migration ` +
        "run\` continues or, with --restart, copies them again)",
    );
  }
  const unmigratable = [
    ...plan.indices.conflicting,
    ...plan.indices.unsupported,
    ...plan.indices.unhealthy,
  ].map(({ name }) => name);
  if (unmigratable.length > 0) {
    printHuman(`left out, cannot be migrated as they are: ${unmigratable.join(", ")}`);
  }
  const urls = split.files.map((_, i) => `http://NODE-${i + 1}:4900`).join(" ");
  printSummary(
    `${plural(split.files.length, "file")} (mode 0600: they hold the credentials), ` +
      `${formatCount(total)} documents in all. Run one Data Prepper node per file (in its ` +
      `pipelines/ directory; ${directory} must exist there for the dead-letter files), then ` +
      `watch them all: fetch-migration monitor ${urls} ${total}`,
  );
}
