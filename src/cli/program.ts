import { Command } from "../deps.ts";
import { VERSION } from "../version.ts";
import { setUpLogging } from "../log.ts";
import { registerInfo } from "./info.ts";
import { registerPlan } from "./plan.ts";
import { registerMetadata } from "./metadata.ts";
import { registerRollback } from "./rollback.ts";
import { registerVerify } from "./verify.ts";
import { registerRun } from "./run.ts";
import { registerSync } from "./sync.ts";
import { registerMonitor } from "./monitor.ts";
import { setUpHelp } from "./help.ts";
import { setQuiet, setVerbose } from "./output.ts";

/** Builds the `fetch-migration` command tree; each command lives in its own module. */
export function buildProgram(): Command {
  // Before the commands are registered: commander copies help settings to each as it is made.
  const program = setUpHelp(new Command("fetch-migration"))
    .description(
      "Move indices and documents from Elasticsearch 6-8 or OpenSearch 1-3 to OpenSearch.\n" +
        "Reports go to stderr; --json results go to stdout.\n\n" +
        "Exit codes: 0 success, 1 migration or verification failed, 2 bad usage or input\n" +
        "(nothing changed), 3 a cluster could not be reached or refused the credentials.",
    )
    .version(VERSION, "-V, --version", "print the version")
    .option("-v, --verbose", "log every request and decision (debug level)")
    .option(
      "-q, --quiet",
      "print only errors, warnings, --json output and what a flag asks for (--report, " +
        "questions); no summaries or info logs",
    )
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .hook("preAction", async (root) => {
      const { verbose, quiet } = root.opts<{ verbose?: boolean; quiet?: boolean }>();
      setQuiet(!!quiet && !verbose);
      setVerbose(!!verbose);
      await setUpLogging(verbose ? "debug" : quiet ? "warning" : "info");
    });
  registerInfo(program);
  registerPlan(program);
  registerMetadata(program);
  registerRollback(program);
  registerVerify(program);
  registerRun(program);
  registerSync(program);
  registerMonitor(program);
  // Sub-commands inherit exitOverride so a usage error anywhere surfaces as a CommanderError.
  for (const command of program.commands) command.exitOverride();
  return program;
}
