import type { Command } from "../deps.ts";
import { buildPlan } from "../metadata/plan.ts";
import { formatPlanText, planToJson } from "../metadata/report.ts";
import { readPlugins, readSnapshot } from "../metadata/snapshot.ts";
import type { MigrationPlan } from "../metadata/types.ts";
import type { MigrationEndpoints } from "../config/types.ts";
import { openClusters } from "./clusters.ts";
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

/** Reads both clusters and builds the plan (used by `plan`, `metadata` and `run`). */
export async function planMigration(
  endpoints: MigrationEndpoints,
  selection: SelectionOptionValues,
): Promise<MigrationPlan> {
  using clusters = openClusters(endpoints);
  const [source, target, plugins] = await Promise.all([
    readSnapshot(clusters.source),
    readSnapshot(clusters.target),
    readPlugins(clusters.target),
  ]);
  return buildPlan(source, target, planOptions(selection, endpoints), plugins);
}

/** Registers `plan`: compare source and target and print the report; changes nothing. */
export function registerPlan(program: Command): void {
  addSelectionOptions(addEndpointOptions(
    program
      .command("plan")
      .description("compare source and target and print what a migration would do; changes nothing")
      .option("--json", "print the plan as JSON on stdout"),
  )).action(async (options: EndpointOptionValues & SelectionOptionValues & { json?: boolean }) => {
    const plan = await planMigration(await resolveEndpoints(options), options);
    if (options.json) printJson(planToJson(plan));
    else printHuman(formatPlanText(plan));
  });
}
