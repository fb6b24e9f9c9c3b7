/**
 * Entry point of `fetch-migration`: parse the command line, run the command, and turn every
 * failure into a message an operator can act on and an exit code. This is the one place where
 * error kinds become exit codes.
 */
import { CommanderError } from "./deps.ts";
import { buildProgram } from "./cli/program.ts";
import { printHuman } from "./cli/output.ts";
import { type ErrorKind, FetchMigrationError } from "./errors.ts";

/** Process exit codes (listed in `--help` and docs/architecture.md). */
export const ExitCode = {
  /** The command did everything it was asked. */
  Ok: 0,
  /** The migration or verification did not do everything: something is missing or differs. */
  Failed: 1,
  /** Bad usage or bad input; nothing was changed. */
  Usage: 2,
  /** A cluster could not be reached or refused the credentials. */
  Unreachable: 3,
} as const;

/** One of the values of {@link ExitCode}. */
export type ExitCodeValue = typeof ExitCode[keyof typeof ExitCode];

const EXIT_CODE_OF: Readonly<Record<ErrorKind, ExitCodeValue>> = {
  "bad-input": ExitCode.Usage,
  unreachable: ExitCode.Unreachable,
  refused: ExitCode.Failed,
  interrupted: ExitCode.Failed,
  incomplete: ExitCode.Failed,
};

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
  if (error instanceof FetchMigrationError) {
    printHuman(`error: ${error.message}`);
    if (error.hint) printHuman(`hint: ${error.hint}`);
    return EXIT_CODE_OF[error.errorKind];
  }
  // A bug of ours: show everything, since no message was prepared for it.
  printHuman(`internal error: ${error instanceof Error ? error.stack ?? error.message : error}`);
  return ExitCode.Failed;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
