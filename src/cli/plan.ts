import type { Command } from "../deps.ts";
import { formatPlanText, planToJson } from "../metadata/report.ts";
import { readPlan } from "../metadata/read-plan.ts";
import { openClusters } from "../cluster/pair.ts";
import {
  addEndpointOptions,
  type EndpointOptionValues,
  resolveEndpoints,
} from "./endpoint-options.ts";
import { printJson, printSummary } from "./output.ts";
import {
  addSelectionOptions,
  planOptions,
  type SelectionOptionValues,
} from "./selection-options.ts";

/** Registers `plan`: compare source and target and print the report; changes nothing. */
export function registerPlan(program: Command): void {
  addSelectionOptions(addEndpointOptions(
    program
      .command("plan")
      .description("compare source and target and print what a migration would do; changes nothing")
      .option("--json", "print the plan as JSON on stdout"),
  )).action(async (options: EndpointOptionValues & SelectionOptionValues & { json?: boolean }) => {
    const endpoints = await resolveEndpoints(options);
    using clusters = openClusters(endpoints);
    const plan = await readPlan(clusters, planOptions(options, endpoints));
    if (options.json) printJson(planToJson(plan));
    // The default report; -q leaves it out (--json is the quiet way to get the plan).
    else printSummary(formatPlanText(plan));
  });
}
