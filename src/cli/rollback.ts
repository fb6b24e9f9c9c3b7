import type { Command } from "../deps.ts";
import { Journal } from "../journal/journal.ts";
import { rollBack } from "../journal/rollback.ts";
import { restoreTarget } from "../backfill/tune.ts";
import { ClusterClient } from "../cluster/client.ts";
import { BadInputError, FetchMigrationError } from "../errors.ts";
import {
  addEndpointOptions,
  type EndpointOptionValues,
  resolveEndpoints,
} from "./endpoint-options.ts";
import { printHuman, printJson } from "./output.ts";

/** Registers `rollback --journal FILE`: delete what a run created, and only that. */
export function registerRollback(program: Command): void {
  addEndpointOptions(
    program
      .command("rollback")
      .description(
        "delete on the target what a run's journal recorded as created, and nothing else",
      )
      .requiredOption("--journal <file>", "the journal a metadata or run command wrote")
      .option("--json", "print what was deleted as JSON on stdout"),
  ).action(async (options: EndpointOptionValues & { journal: string; json?: boolean }) => {
    let journal: Journal;
    try {
      journal = await Journal.load(options.journal);
    } catch (error) {
      throw new BadInputError(
        `cannot read the journal ${options.journal}: ${
          error instanceof Error ? error.message : error
        }`,
      );
    }
    // Only the target is needed: accept --target alone.
    const endpoints = await resolveEndpoints(
      options.pipeline || options.source ? options : { ...options, source: options.target },
    );
    const client = new ClusterClient(endpoints.target, { role: "target" });
    try {
      if (client.url !== journal.data.target) {
        throw new BadInputError(
          `the journal is for ${journal.data.target}, not ${client.url}`,
          "point --target (or the pipeline's sink) at the cluster the run changed",
        );
      }
      const result = await rollBack(client, journal);
      // Indices the run only filled (not created) keep living: give them their settings back.
      const notRestored = await restoreTarget(client, journal);
      if (notRestored.length > 0) result.failed.push(...notRestored.map((i) => `settings of ${i}`));
      if (options.json) printJson(result);
      printHuman(
        `rolled back ${result.deleted.length}` +
          (result.missing.length ? `, ${result.missing.length} already gone` : "") +
          (result.failed.length ? `; FAILED: ${result.failed.join(", ")}` : ""),
      );
      if (result.failed.length > 0) {
        throw new FetchMigrationError(
          "refused",
          "some creations could not be deleted",
          "see the list above",
        );
      }
    } finally {
      client.close();
    }
  });
}
