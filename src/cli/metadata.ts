import type { Command } from "../deps.ts";
import { withIncludedIndices } from "../config/pipeline-output.ts";
import { parsePipelineYaml } from "../config/pipeline.ts";
import { decodeInlinePipeline } from "../config/load.ts";
import { defaultJournalPath, Journal, newRunId } from "../journal/journal.ts";
import { applyCreations } from "../metadata/apply.ts";
import { formatPlanText, planToJson } from "../metadata/report.ts";
import { openClusters } from "../cluster/pair.ts";
import { migratingIndices } from "../metadata/plan.ts";
import { readPlan } from "../metadata/read-plan.ts";
import { BadInputError } from "../errors.ts";
import {
  addEndpointOptions,
  type EndpointOptionValues,
  resolveEndpoints,
} from "./endpoint-options.ts";
import { printHuman, printJson } from "./output.ts";
import {
  addSelectionOptions,
  planOptions,
  type SelectionOptionValues,
} from "./selection-options.ts";

type MetadataOptions = EndpointOptionValues & SelectionOptionValues & {
  report?: boolean;
  dryrun?: boolean;
  json?: boolean;
  journal?: string;
  keepOnFailure?: boolean;
};

/**
 * Registers `metadata <pipeline.yaml> [output.yaml]`, the original tool's step: report, create
 * what is missing unless `--dryrun`, and write the pipeline restricted to the migrating indices.
 */
export function registerMetadata(program: Command): void {
  addSelectionOptions(addEndpointOptions(
    program
      .command("metadata")
      .description(
        "the original metadata step: compare, create missing indices and templates on the target, " +
          "and write output.yaml = the pipeline with indices.include set to the indices to migrate",
      )
      .argument("[pipeline]", "Data Prepper pipeline YAML (or INLINE_PIPELINE in the environment)")
      .argument(
        "[output]",
        "where to write the pipeline that includes exactly the migrating indices",
      )
      .option("--report", "print the full report (without it, a summary)")
      .option("--dryrun", "change nothing on the target; still write output.yaml")
      .option(
        "--journal <file>",
        "journal of what this run creates (default .fetch-migration/<run-id>.json)",
      )
      .option("--keep-on-failure", "keep what was created when a later creation fails")
      .option("--json", "print the plan and what was created as JSON on stdout"),
  )).action(
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
      using clusters = openClusters(endpoints);
      const plan = await readPlan(clusters, planOptions(options, endpoints));
      const migrating = migratingIndices(plan);
      if (options.report || options.dryrun) printHuman(formatPlanText(plan));
      else {
        printHuman(
          `${migrating.length} index(es) to migrate (${plan.indices.create.length} to create), ` +
            `${plan.documents.total} documents; ${plan.indices.conflicting.length} conflicting. ` +
            "Use --report for details.",
        );
      }
      let created: Array<{ kind: string; name: string }> = [];
      let journalPath: string | undefined;
      if (!options.dryrun && plan.creations.length > 0) {
        const runId = newRunId();
        journalPath = options.journal ?? defaultJournalPath(runId);
        const journal = await Journal.create(journalPath, runId, clusters.target.url);
        const result = await applyCreations(clusters.target, plan.creations, journal, {
          keepOnFailure: !!options.keepOnFailure,
        });
        created = result.created;
        plan.transformations.push(...result.transformations);
        // Printed after the report: these were only learnt from the target's answers.
        for (const t of result.transformations) {
          printHuman(`${t.subjectKind} ${t.subject}: ${t.detail} [${t.rule}]`);
        }
        printHuman(`created ${created.length} on the target; journal: ${journalPath}`);
      }
      if (output) {
        if (migrating.length === 0) {
          printHuman(
            `nothing to migrate: ${output} not written (an empty include would take every index)`,
          );
        } else {
          // Rewrite the pipeline the endpoints came from: the file, or the original tool's
          // INLINE_PIPELINE.
          const inline = Deno.env.get("INLINE_PIPELINE");
          const text = pipeline
            ? await Deno.readTextFile(pipeline)
            : inline
            ? decodeInlinePipeline(inline)
            : undefined;
          if (text === undefined) {
            throw new BadInputError(
              `writing ${output} needs a pipeline to rewrite`,
              "pass the pipeline file (or INLINE_PIPELINE) instead of --source/--target",
            );
          }
          const parsed = parsePipelineYaml(text, endpoints.origin);
          // The pipeline holds credentials: readable by its owner only.
          await Deno.writeTextFile(
            output,
            withIncludedIndices(text, parsed.source.nodePath, migrating),
            {
              mode: 0o600,
            },
          );
          await Deno.chmod(output, 0o600);
          printHuman(`wrote ${output} including ${migrating.length} index(es)`);
        }
      }
      if (options.json) printJson({ ...planToJson(plan), created, journal: journalPath });
    },
  );
}
