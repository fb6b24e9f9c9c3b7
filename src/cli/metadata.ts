/**
 * `metadata <pipeline.yaml> [output.yaml]`: maps the flags, prints the report, has the plan's
 * creations made (src/migrate/metadata.ts) and the output pipeline written.
 */
import type { Command } from "../deps.ts";
import {
  type PipelineOutput,
  preparePipelineOutput,
  writePipelineOutput,
} from "../config/pipeline-output.ts";
import { checkMetadataStep, createMetadata } from "../migrate/metadata.ts";
import { unmigratableIndices } from "../migrate/checks.ts";
import { RunStop } from "../launch/stop.ts";
import { CreationProgress } from "./progress.ts";
import { formatPlanText, planToJson } from "../metadata/report.ts";
import { openClusters } from "../cluster/pair.ts";
import { migratingIndices } from "../metadata/plan.ts";
import { readPlan } from "../metadata/read-plan.ts";
import { BadInputError } from "../errors.ts";
import {
  addEndpointOptions,
  type EndpointOptionValues,
  onePipelineName,
  resolveEndpoints,
} from "./endpoint-options.ts";
import { HELP_GROUPS, inGroup, JOURNAL_DEFAULT } from "./help.ts";
import { checkJournalFlag, pathState } from "../journal/file-flags.ts";
import { isVerbose, printHuman, printJson, printSummary } from "./output.ts";
import { printVerdict } from "./verdict.ts";
import { plural } from "../text.ts";
import { addSelectionOptions, type SelectionOptionValues } from "./selection-options.ts";
import { planOptions } from "../metadata/selection.ts";

type MetadataOptions = EndpointOptionValues & SelectionOptionValues & {
  report?: boolean;
  dryrun?: boolean;
  json?: boolean;
  jsonDetail?: boolean;
  journal?: string;
  keepOnFailure?: boolean;
  allowElasticsearchTarget?: boolean;
  allowOlderTarget?: boolean;
};

/**
 * Registers `metadata <pipeline.yaml> [output.yaml]`, the original tool's step: report, create
 * what is missing unless `--dryrun`, and write the pipeline restricted to the migrating indices.
 */
export function registerMetadata(program: Command): void {
  const command = program
    .command("metadata")
    .summary("create missing indices and templates; write output.yaml")
    .description(
      "the original metadata step: compare, create missing indices and templates on the target, " +
        "and write output.yaml = the pipeline with indices.include set to the indices to migrate",
    )
    .argument("[pipeline]", "Data Prepper pipeline YAML (or INLINE_PIPELINE in the environment)")
    .argument(
      "[output]",
      "where to write the pipeline that includes exactly the migrating indices",
    );
  inGroup(command, "Metadata step:", () =>
    command
      .option("--dryrun", "change nothing on the target; still write output.yaml")
      .option("--journal <file>", `journal of what this step creates (${JOURNAL_DEFAULT})`)
      .option("--keep-on-failure", "keep what was created when a later creation fails"));
  addSelectionOptions(command);
  addEndpointOptions(command, { pipelineName: onePipelineName("metadata"), pair: true });
  inGroup(command, HELP_GROUPS.output, () =>
    command
      .option("--report", "print the full report (without it, a summary)")
      .option("--json", "print the plan and what was created as JSON on stdout")
      .option(
        "--json-detail",
        "as --json, with every list (identical, excluded, each template's decision) and the " +
          "definitions the target would be sent",
      ));
  command.action(
    async (
      pipelineArg: string | undefined,
      output: string | undefined,
      options: MetadataOptions,
    ) => {
      if (pipelineArg && options.pipeline) {
        throw new BadInputError(
          "the pipeline is given twice (argument and --pipeline)",
          "give it once",
        );
      }
      const pipeline = pipelineArg ?? options.pipeline;
      const endpoints = await resolveEndpoints({ ...options, pipeline });
      if (options.journal !== undefined && !options.dryrun) {
        // Before anything is read: a journal that cannot be written must not be found later.
        checkJournalFlag(options.journal, await pathState("--journal", options.journal), "create");
      }
      // Where the output goes is checked before anything is read or created: a bad path must
      // not be found after the target was changed.
      const prepared: PipelineOutput | undefined = output
        ? await preparePipelineOutput(output, endpoints)
        : undefined;
      using clusters = openClusters(endpoints);
      const selection = planOptions(options, endpoints);
      const plan = await readPlan(clusters, selection);
      await checkMetadataStep(
        clusters,
        plan,
        selection,
        !!options.allowElasticsearchTarget,
        !!options.allowOlderTarget,
      );
      const migrating = migratingIndices(plan);
      if (options.report || options.dryrun) {
        // The original tool's four index groups stay, "(none)" included, for scripts.
        printHuman(formatPlanText(plan, { all: isVerbose(), originalGroups: true }));
      } else {
        printSummary(
          `${plural(migrating.length, "index")} to migrate (${plan.indices.create.length} to ` +
            `create), ${plural(plan.documents.total, "document")}; ` +
            `${plan.indices.conflicting.length} conflicting. Use --report for details.`,
        );
      }
      let created: Array<{ kind: string; name: string }> = [];
      let journalPath: string | undefined;
      if (!options.dryrun) {
        using stop = new RunStop((event) => {
          if (event.type === "stopping") {
            printSummary("stopping: the creations in flight finish, nothing new is sent");
          }
        });
        const creating = new CreationProgress();
        const result = await createMetadata(clusters, plan, {
          journal: options.journal,
          keepOnFailure: !!options.keepOnFailure,
          signal: stop.signal,
          onProgress: (done, total) => creating.update(done, total),
        });
        ({ created, journalPath } = result);
        plan.transformations.push(...result.transformations);
        // Printed after the report: these were only learnt from the target's answers.
        for (const t of result.transformations) {
          printHuman(`${t.subjectKind} ${t.subject}: ${t.detail} [${t.rule}]`);
        }
        if (journalPath) {
          printSummary(`created ${created.length} on the target; journal: ${journalPath}`);
        }
      }
      if (prepared) {
        if (migrating.length === 0) {
          printHuman(
            `nothing to migrate: ${prepared.path} not written (an empty include would take ` +
              "every index)",
          );
        } else {
          await writePipelineOutput(prepared, migrating);
          printSummary(`wrote ${prepared.path} including ${plural(migrating.length, "index")}`);
        }
      }
      // Selected and not created (closed, red, unsupported, conflicting): named, never silent.
      const leftAlone = unmigratableIndices(plan);
      if (leftAlone.length > 0) {
        printSummary(
          `left alone: ${leftAlone.map(({ name, reason }) => `${name} (${reason})`).join("; ")}`,
        );
      }
      if (options.json || options.jsonDetail) {
        printJson({
          status: options.dryrun ? "dry_run" : "succeeded",
          dry_run: !!options.dryrun,
          ...planToJson(plan, { detail: !!options.jsonDetail }),
          created,
          journal: journalPath ?? null,
          left_alone: leftAlone,
        });
      }
      printVerdict({
        ok: true,
        text: (options.dryrun
          ? `would create ${plural(plan.indices.create.length, "index")}; nothing was changed`
          : `created ${
            plural(created.length, "index, template or alias", "indices, templates and aliases")
          } on the target`) +
          (leftAlone.length > 0 ? `; ${plural(leftAlone.length, "index")} left alone` : ""),
      });
    },
  );
}
