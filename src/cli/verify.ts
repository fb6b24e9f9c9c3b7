/**
 * `verify`: maps the flags to `verifyPair` (src/verify/pair.ts), prints progress, the table (or
 * JSON) and throws the verdict it gave.
 */
import { type Command, InvalidArgumentError } from "../deps.ts";
import { formatChecksumProgress, formatVerifyText } from "../verify/report.ts";
import { MAX_SAMPLE } from "../verify/sample.ts";
import { Throttle } from "../verify/throttle.ts";
import { verifyPair } from "../verify/pair.ts";
import { BadInputError } from "../errors.ts";
import {
  addEndpointOptions,
  type EndpointOptionValues,
  onePipelineName,
  resolveEndpoints,
} from "./endpoint-options.ts";
import { HELP_GROUPS, inGroup } from "./help.ts";
import { printHuman, printJson, printSummary } from "./output.ts";
import { LiveLine } from "./progress.ts";
import { addSelectionOptions, type SelectionOptionValues } from "./selection-options.ts";

type VerifyOptionValues = EndpointOptionValues & SelectionOptionValues & {
  journal?: string;
  checksums?: boolean;
  sample?: number;
  json?: boolean;
};

/** Time between two redraws of a long check's progress line (on a terminal). */
const PROGRESS_EVERY_MS = 1_000;

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
  const command = program
    .command("verify")
    .summary("prove the target holds what the source holds; changes nothing")
    .description(
      "prove the target holds what the source holds: document counts per index (always), " +
        "every document by _id, routing and _source (--checksums), or a random sample " +
        "(--sample N); changes nothing. Exit 1 when anything differs, or when the selection " +
        "leaves no index to verify.\n" +
        "Indices: those the plan would migrate or already did (create, identical_empty, " +
        "identical), or with --journal exactly those a run's backfill filled.\n" +
        "Verify does not refresh the target: documents written less than a refresh " +
        "interval ago (1s by default, longer when tuned) may not be counted yet.",
    );
  inGroup(command, "Verification:", () =>
    command
      .option("--journal <file>", "verify exactly the indices this run's backfill filled")
      .option(
        "--checksums",
        "compare every document (reads both sides in full, twice when something differs)",
      )
      .option(
        "--sample <n>",
        `compare n random source documents per index (at most ${MAX_SAMPLE})`,
        sampleSize,
      ));
  addSelectionOptions(command, { templates: false });
  addEndpointOptions(command, { pipelineName: onePipelineName("verify") });
  inGroup(
    command,
    HELP_GROUPS.output,
    () => command.option("--json", "print the result as JSON on stdout"),
  );
  command.action(async (options: VerifyOptionValues) => {
    if (options.journal && (options.include?.length || options.exclude?.length)) {
      throw new BadInputError(
        "--include/--exclude do not apply with --journal, which names the indices itself",
        "leave out --journal to verify the indices the plan selects",
      );
    }
    const endpoints = await resolveEndpoints(options);
    const throttle = new Throttle(PROGRESS_EVERY_MS);
    const line = new LiveLine();
    const { report, failure } = await verifyPair(endpoints, {
      selection: options,
      journal: options.journal,
      checksums: !!options.checksums,
      sample: options.sample,
      onProgress: (progress) => {
        if (throttle.ready()) line.show(formatChecksumProgress(progress));
      },
    }).finally(() => line.finish());
    // A passing table is a summary (-q hides it); a failing one explains the error below it.
    (report.status === "succeeded" ? printSummary : printHuman)(formatVerifyText(report));
    if (options.json) printJson(report);
    if (failure) throw failure;
  });
}
