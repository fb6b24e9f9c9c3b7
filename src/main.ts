/**
 * Entry point of `fetch-migration`: parse the command line, run the command, turn every failure
 * into a message an operator can act on and an exit code from DESIGN.md.
 */
import { CommanderError } from "./deps.ts";
import { buildProgram } from "./cli/program.ts";
import { ExitCode, type ExitCodeValue, UserFacingError } from "./cli/exit.ts";
import { printHuman } from "./cli/output.ts";

/** Runs the CLI with `args` (without the program name) and returns the exit code. */
export async function main(args: string[]): Promise<ExitCodeValue> {
  try {
    await buildProgram().parseAsync(args, { from: "user" });
    return ExitCode.Ok;
  } catch (error) {
    return reportFailure(error);
  }
}

function reportFailure(error: unknown): ExitCodeValue {
  if (error instanceof CommanderError) {
    // Commander has already printed help, the version, or the usage error itself.
    const benign = ["commander.helpDisplayed", "commander.help", "commander.version"];
    return benign.includes(error.code) ? ExitCode.Ok : ExitCode.Usage;
  }
  if (error instanceof UserFacingError) {
    printHuman(`error: ${error.message}`);
    if (error.hint) printHuman(`hint: ${error.hint}`);
    return error.exitCode;
  }
  // A bug of ours: show everything, since no message was prepared for it.
  printHuman(`internal error: ${error instanceof Error ? error.stack ?? error.message : error}`);
  return ExitCode.Failed;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
