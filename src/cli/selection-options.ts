/** The selection flags (`--include`, `--exclude`, `--templates`, `--allow-red`) of every command. */
import { type Command, Option } from "../deps.ts";
import { HELP_GROUPS, inGroup } from "./help.ts";
import type { SelectionFlags } from "../metadata/selection.ts";
import { TEMPLATE_MODES } from "../metadata/template-selection.ts";

/** Selection flags as commander hands them over. */
export type SelectionOptionValues = SelectionFlags;

/** Repeatable, and each value may be a comma list (index names cannot hold a comma). */
function collect(value: string, previous: string[] = []): string[] {
  // Blank parts are kept: planOptions refuses them (an unset variable must not select all).
  return [...previous, ...value.split(",").map((part) => part.trim())];
}

/**
 * Adds `--include`, `--exclude` (repeatable globs), `--allow-red`, `--include-hidden` and, for
 * the commands that create or plan templates and ingest pipelines, `--templates` and
 * `--ingest-pipelines`, under the "Selection" heading.
 */
export function addSelectionOptions(command: Command, { templates = true } = {}): Command {
  return inGroup(command, HELP_GROUPS.selection, () => {
    command
      .option(
        "--include <glob>",
        "select only indices matching this glob (repeatable, or a comma list); narrows a " +
          "pipeline's indices.include",
        collect,
      )
      .option(
        "--exclude <glob>",
        "leave out indices matching this glob (repeatable, or a comma list)",
        collect,
      );
    if (templates) {
      command.addOption(
        new Option(
          "--templates <which>",
          "templates to migrate; matching: those whose patterns can match a selected index or " +
            "whose name is selected, with their component templates",
        ).choices(TEMPLATE_MODES).default("matching", "matching"),
      );
      command.addOption(
        new Option(
          "--ingest-pipelines <which>",
          "ingest pipelines to migrate; referenced: the default or final pipelines of the " +
            "selected indices and templates, and those they call",
        ).choices(["referenced", "all", "none"]).default("referenced", "referenced"),
      );
    }
    command
      .option("--allow-red", "select red indices too (left out and listed by default)")
      .option(
        "--include-hidden",
        "select users' hidden indices (index.hidden: true) too (left out and named by default)",
      );
  });
}
